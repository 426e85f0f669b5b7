"""The auth API: /api/v1/auth/…"""

import base64
import io
import json
import logging
import re
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from lms.tests.helpers import closed_port

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"
RESET = "/api/v1/auth/password-reset/"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm/"


def _bearer(client, access):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- register ---------------------------------------------------------------------------


def test_register_returns_the_user_without_any_password(api_client):
    response = api_client.post(
        REGISTER, {"email": "Lea@Example.com", "password": PASSWORD, "first_name": "Lea", "last_name": "L"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "lea@example.com"
    assert body["role"] == "learner"
    assert "password" not in json.dumps(body).lower()
    assert User.objects.get(email="lea@example.com").check_password(PASSWORD)


def test_register_with_a_taken_email_is_a_plain_field_error(api_client):
    UserFactory(email="taken@example.com")
    response = api_client.post(REGISTER, {"email": "TAKEN@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]


def test_register_ignores_a_role_sent_by_the_client(api_client):
    response = api_client.post(
        REGISTER, {"email": "sneaky@example.com", "password": PASSWORD, "role": "admin", "is_staff": True}
    )
    assert response.status_code == 201
    user = User.objects.get(email="sneaky@example.com")
    assert (user.role, user.is_staff, user.is_superuser) == ("learner", False, False)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": ["a@example.com"], "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": 12345678901234}, "password"),
        ({"email": "a" * 300 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "first_name": "x" * 151}, "first_name"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a\x00b@example.com", "password": PASSWORD}, "email"),
    ],
)
def test_register_bad_input_is_400_with_the_field_named(api_client, payload, field):
    response = api_client.post(REGISTER, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_malformed_json_is_400(api_client):
    response = api_client.generic("POST", REGISTER, '{"email": "a@example.com", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- tokens ------------------------------------------------------------------------------


def test_token_pair_for_good_credentials(api_client, user):
    response = api_client.post(TOKEN, {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_wrong_credentials_get_the_same_401_whether_or_not_the_email_exists(api_client, user):
    wrong_password = api_client.post(TOKEN, {"email": user.email, "password": "nope"})
    unknown_email = api_client.post(TOKEN, {"email": "ghost@example.com", "password": "nope"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()


def test_inactive_user_cannot_get_tokens(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_refresh_rotates_and_a_used_refresh_token_is_401(api_client, tokens):
    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    again = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_refresh_with_garbage_is_401(api_client):
    assert api_client.post(REFRESH, {"refresh": "not.a.token"}).status_code == 401


def test_repeated_failed_logins_lock_the_account_with_429(api_client, user, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        assert api_client.post(TOKEN, {"email": user.email, "password": "wrong"}).status_code == 401
    locked = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert locked.json()["code"] == "login_locked"


@override_settings(RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE=2)
def test_auth_endpoints_have_the_stricter_rate_limit(api_client):
    for i in range(2):
        api_client.post(RESET, {"email": f"x{i}@example.com"})
    refused = api_client.post(RESET, {"email": "x3@example.com"})
    assert refused.status_code == 429
    assert "Retry-After" in refused


# --- bearer tokens: forged, expired, revoked --------------------------------------------------


def _forge(payload: dict, key: str = "another-key-entirely-" * 3, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg)


def test_tokens_signed_with_another_key_are_401(api_client, tokens):
    payload = jwt.decode(tokens["access"], options={"verify_signature": False})
    assert _bearer(api_client, _forge(payload)).get(ME).status_code == 401


def test_alg_none_token_is_401(api_client, tokens):
    payload = jwt.decode(tokens["access"], options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _bearer(api_client, f"{header}.{body}.").get(ME).status_code == 401


def test_tampered_token_is_401(api_client, tokens, user):
    other = UserFactory()
    header, body, signature = tokens["access"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["user_id"] = str(other.pk)
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _bearer(api_client, f"{header}.{forged_body}.{signature}").get(ME).status_code == 401


def test_expired_access_token_is_401(api_client, tokens):
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert _bearer(api_client, tokens["access"]).get(ME).status_code == 401


# --- logout and the access-token blacklist ---------------------------------------------------


def test_logout_revokes_the_refresh_and_the_access_token_at_once(api_client, tokens):
    client = _bearer(api_client, tokens["access"])
    assert client.get(ME).status_code == 200
    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    refused = client.get(ME)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"
    client.credentials()
    assert client.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401


@pytest.mark.redis
def test_access_token_blacklist_is_kept_in_redis_until_expiry(api_client, tokens, settings):
    import redis

    client = _bearer(api_client, tokens["access"])
    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    jti = jwt.decode(tokens["access"], options={"verify_signature": False})["jti"]
    other_instance = redis.Redis.from_url(settings.REDIS_URL)
    keys = other_instance.keys(f"*jwt-bl:{jti}")
    assert len(keys) == 1
    assert 0 < other_instance.ttl(keys[0]) <= settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() + 1


def test_logout_with_someone_elses_refresh_token_is_400(api_client, tokens):
    other = UserFactory()
    other_tokens = api_client.post(TOKEN, {"email": other.email, "password": PASSWORD}).json()
    response = _bearer(api_client, tokens["access"]).post(LOGOUT, {"refresh": other_tokens["refresh"]})
    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


def test_logout_needs_a_bearer_token(api_client, tokens):
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 401


def _unreachable_security_cache(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    down = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
    return {**settings.CACHES, "security": down}


def test_blacklist_fail_closed_refuses_bearer_requests_when_redis_is_down(api_client, tokens, settings, caplog):
    with (
        override_settings(CACHES=_unreachable_security_cache(settings), ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED=True),
        caplog.at_level(logging.ERROR, logger="accounts.authentication"),
    ):
        response = _bearer(api_client, tokens["access"]).get(ME)
    assert response.status_code == 503
    assert response.json()["code"] == "token_check_unavailable"
    assert any(r.message == "access_token_blacklist_unavailable" for r in caplog.records)


def test_blacklist_fail_open_lets_bearer_requests_through_with_a_warning(api_client, tokens, settings, caplog):
    with (
        override_settings(CACHES=_unreachable_security_cache(settings), ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED=False),
        caplog.at_level(logging.WARNING, logger="accounts.authentication"),
    ):
        response = _bearer(api_client, tokens["access"]).get(ME)
    assert response.status_code == 200
    assert any(
        r.levelno == logging.WARNING and r.message == "access_token_blacklist_unavailable" for r in caplog.records
    )


def test_blacklist_disabled_leaves_the_access_token_valid_after_logout(api_client, tokens, settings):
    settings.ACCESS_TOKEN_BLACKLIST_ENABLED = False
    client = _bearer(api_client, tokens["access"])
    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert client.get(ME).status_code == 200


def test_role_is_read_from_the_database_on_every_request(api_client, tokens, user):
    client = _bearer(api_client, tokens["access"])
    assert client.get(ME).json()["role"] == "learner"
    User.objects.filter(pk=user.pk).update(role="instructor")
    assert client.get(ME).json()["role"] == "instructor"
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(ME).status_code == 401


# --- me ----------------------------------------------------------------------------------------


def test_me_needs_authentication(api_client):
    assert api_client.get(ME).status_code == 401


def test_me_patch_updates_the_profile_but_never_the_role(api_client, tokens, user):
    client = _bearer(api_client, tokens["access"])
    response = client.patch(
        ME, {"first_name": "Grace", "bio": "Hello", "time_zone": "Asia/Tokyo", "role": "admin", "is_staff": True}
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.first_name, user.bio, user.time_zone) == ("Grace", "Hello", "Asia/Tokyo")
    assert (user.role, user.is_staff) == ("learner", False)


def test_me_email_change_needs_the_password(api_client, tokens, user):
    client = _bearer(api_client, tokens["access"])
    refused = client.patch(ME, {"email": "moved@example.com"})
    assert refused.status_code == 400
    assert "current_password" in refused.json()["errors"]
    accepted = client.patch(ME, {"email": "moved@example.com", "current_password": PASSWORD})
    assert accepted.status_code == 200
    assert accepted.json()["email"] == "moved@example.com"


def _image(fmt: str = "PNG", size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_me_accepts_a_real_image_as_avatar_under_a_random_name(api_client, tokens, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../etc/passwd.png", _image(), content_type="image/png")
    response = _bearer(api_client, tokens["access"]).patch(ME, {"avatar": upload}, format="multipart")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.png", user.avatar.name)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("avatar.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("avatar.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("avatar.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    ],
)
def test_me_refuses_files_that_are_not_allowed_images(
    api_client, tokens, name, content, content_type, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = _bearer(api_client, tokens["access"]).patch(ME, {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()["errors"]
    assert not any(tmp_path.rglob("*"))


def test_me_refuses_an_avatar_over_the_size_limit(api_client, tokens, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = _image("PNG", size=(3000, 3000))
    big += b"\0" * max(0, 2 * 1024 * 1024 + 1 - len(big))
    upload = SimpleUploadedFile("big.png", big, content_type="image/png")
    response = _bearer(api_client, tokens["access"]).patch(ME, {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()["errors"]


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_is_202_for_known_and_unknown_emails_alike(api_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET, {"email": user.email})
        unknown = api_client.post(RESET, {"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1


def test_password_reset_confirm_sets_the_password_and_ends_sessions(
    api_client, tokens, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(RESET, {"email": user.email})
    uid, token = re.search(r"/accounts/password-reset/([^/]+)/([^/]+)/", mail.outbox[0].body).groups()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = api_client.post(RESET_CONFIRM, {"uid": uid, "token": token, "new_password": "brand-new-passphrase"})
        assert response.status_code == 204
        assert _bearer(api_client, tokens["access"]).get(ME).status_code == 401
        api_client.credentials()
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401
        assert api_client.post(TOKEN, {"email": user.email, "password": "brand-new-passphrase"}).status_code == 200


def test_password_reset_confirm_with_a_bad_token_is_400(api_client, user):
    response = api_client.post(
        RESET_CONFIRM, {"uid": "MQ", "token": "bad-token", "new_password": "brand-new-passphrase"}
    )
    assert response.status_code == 400
    assert "token" in response.json()["errors"]
