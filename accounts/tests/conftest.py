import pytest

from accounts.tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def tokens(api_client, user):
    from accounts.tests.factories import PASSWORD

    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()
