"""Every API error has one shape: {"detail", "code", "errors"}, with the right status."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from lms import exceptions as domain
from lms.api.exceptions import exception_handler


def _handle(exc):
    request = APIRequestFactory().get("/api/v1/x")
    return exception_handler(exc, {"request": request, "view": None})


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (domain.ApplicationError("Bad."), 400, "invalid"),
        (domain.NotFoundError(), 404, "not_found"),
        (domain.PermissionDeniedError(), 403, "permission_denied"),
        (domain.ConflictError("Course is full.", code="course_full"), 409, "course_full"),
        (domain.ServiceUnavailableError(), 503, "service_unavailable"),
    ],
)
def test_domain_errors_map_to_their_status_and_code(exc, status, code):
    response = _handle(exc)
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"] == exc.message
    assert response.data["errors"] == {}


def test_field_validation_errors_are_listed_per_field():
    response = _handle(serializers.ValidationError({"email": ["Enter a valid email address."]}))
    assert response.status_code == 400
    assert response.data == {
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": {"email": ["Enter a valid email address."]},
    }


def test_model_validation_errors_become_400_with_fields():
    response = _handle(DjangoValidationError({"capacity": ["Must be positive."]}))
    assert response.status_code == 400
    assert response.data["errors"] == {"capacity": ["Must be positive."]}


def test_unexpected_errors_are_left_to_the_500_handler():
    assert _handle(RuntimeError("boom")) is None


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}


@pytest.mark.django_db
def test_wrong_method_is_405_in_the_same_shape(api_client):
    response = api_client.delete("/api/v1/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_unknown_page_is_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_api_docs_are_404_when_disabled(client, settings):
    settings.ENABLE_API_DOCS = False
    assert client.get("/api/v1/schema/").status_code == 404
    assert client.get("/api/v1/docs/").status_code == 404
    settings.ENABLE_API_DOCS = True
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "content_type"), [("/courses/", "text/html"), ("/api/v1/courses/", "application/json")]
)
def test_an_unreachable_database_is_503_with_retry_after_and_no_query(path, content_type, django_assert_num_queries):
    from django.db import OperationalError
    from django.test import RequestFactory

    from lms import views

    request = RequestFactory().get(path)
    with django_assert_num_queries(0):  # the answer must not need the database it lacks
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            response = views.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(content_type)
    assert b"Traceback" not in response.content and b"connection refused" not in response.content


def test_other_server_errors_stay_500():
    from django.test import RequestFactory

    from lms import views

    try:
        raise KeyError("bug")
    except KeyError:
        response = views.server_error(RequestFactory().get("/api/v1/courses/"))
    assert response.status_code == 500


@pytest.mark.django_db
def test_the_api_docs_load_their_scripts_from_the_site_not_a_cdn(client, settings):
    import re

    settings.ENABLE_API_DOCS = True
    page = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/" in s for s in sources), sources
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))], sources
    script = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert client.get(script).status_code == 200  # served by the site itself
