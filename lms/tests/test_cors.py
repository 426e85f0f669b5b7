"""CORS: only the origins in CORS_ORIGINS may call the API from a browser."""

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings")]


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_listed_origin_is_allowed(client):
    response = client.get("/api/v1/", HTTP_ORIGIN="https://app.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_other_origin_gets_no_cors_headers(client):
    response = client.get("/api/v1/", HTTP_ORIGIN="https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_preflight_from_listed_origin_is_answered(client):
    response = client.options(
        "/api/v1/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in response["Access-Control-Allow-Headers"]


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get("/", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in response
