"""Pages map domain errors once (lms.middleware.DomainErrorPagesMiddleware): a selector's
NotFoundError is the 404 page, a PermissionDeniedError the 403 page, with no try/except
in the views; any other error is left to Django's handling."""

import pytest
from django.test import RequestFactory

from lms.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from lms.middleware import DomainErrorPagesMiddleware

pytestmark = pytest.mark.django_db


def _answer(exception):
    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return DomainErrorPagesMiddleware(lambda r: None).process_exception(request, exception)


def test_not_found_is_the_404_page_and_permission_denied_the_403_page():
    assert _answer(NotFoundError("Lesson not found.")).status_code == 404
    assert _answer(PermissionDeniedError("Only this course's instructors can change it.")).status_code == 403


def test_other_errors_are_left_to_django():
    assert _answer(ConflictError("Taken.")) is None
    assert _answer(ValueError("boom")) is None


def test_a_page_whose_selector_finds_nothing_answers_the_404_page(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    for url in ("/courses/no-such-course/", "/quizzes/999999/", "/attempts/999999/", "/courses/no-such/lessons/1/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "404.html" in [t.name for t in response.templates], url
