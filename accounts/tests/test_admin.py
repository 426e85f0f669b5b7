"""The user admin: admins only; the role drives the flags; no password hashes shown."""

import pytest

from accounts import services
from accounts.models import User
from accounts.tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_changes_a_role_and_the_flags_follow(client):
    admin = AdminFactory()
    learner = UserFactory()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{learner.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in ("email", "first_name", "last_name", "bio", "time_zone")}
    data.update({"role": "instructor", "is_active": "on"})
    response = client.post(f"/admin/accounts/user/{learner.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    learner.refresh_from_db()
    assert (learner.role, learner.is_staff, learner.is_superuser) == ("instructor", True, False)
    assert learner.groups.filter(name="Instructors").exists()


def test_change_page_never_shows_the_password_hash(client):
    admin = AdminFactory()
    learner = UserFactory()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{learner.pk}/change/")
    assert learner.password.encode() not in page.content
    assert learner.password.split("$")[-1].encode() not in page.content


def test_instructors_cannot_open_the_user_admin(client):
    instructor = UserFactory()
    services.user_set_role(user=instructor, role=User.Role.INSTRUCTOR)
    client.force_login(instructor)
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get(f"/admin/accounts/user/{instructor.pk}/change/").status_code in (302, 403)


def test_user_list_searches_and_filters(client):
    client.force_login(AdminFactory())
    UserFactory(email="findme@example.com", role="learner")
    UserFactory(email="other@example.com", role="instructor")
    found = client.get("/admin/accounts/user/", {"q": "findme"})
    assert [u.email for u in found.context["cl"].result_list] == ["findme@example.com"]
    filtered = client.get("/admin/accounts/user/", {"role__exact": "instructor"})
    assert [u.email for u in filtered.context["cl"].result_list] == ["other@example.com"]


def test_deactivate_action_blocks_login_and_refresh(client, api_client):
    admin = AdminFactory()
    victim = UserFactory()
    pair = services.tokens_issue(user=victim)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [victim.pk, admin.pk]}
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    admin.refresh_from_db()
    assert victim.is_active is False
    assert admin.is_active is True  # an admin cannot lock themselves out by accident
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
