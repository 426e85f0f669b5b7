"""Account rules, exercised on the database through accounts.services."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from lms import metrics
from lms.exceptions import ApplicationError, AuthenticationFailedError, RateLimitedError

pytestmark = pytest.mark.django_db


def _counter(counter) -> float:
    return counter._value.get()


def test_register_creates_a_learner_with_a_normalised_email(django_capture_on_commit_callbacks):
    before = _counter(metrics.USER_REGISTRATIONS)
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_register(email="  Ada@Example.COM ", password=PASSWORD, first_name="Ada")
    assert user.email == "ada@example.com"
    assert user.role == User.Role.LEARNER
    assert not user.is_staff
    assert user.check_password(PASSWORD)
    assert _counter(metrics.USER_REGISTRATIONS) == before + 1


def test_register_sends_the_welcome_email_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = services.user_register(email="new@example.com", password=PASSWORD)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    user.refresh_from_db()
    assert user.welcome_email_sent_at is not None


def test_register_refuses_an_email_taken_in_another_case():
    UserFactory(email="taken@example.com")
    with pytest.raises(ApplicationError) as refused:
        services.user_register(email="TAKEN@example.com", password=PASSWORD)
    assert list(refused.value.extra["errors"]) == ["email"]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "newuser@example.com"])
def test_register_applies_the_password_validators(password):
    with pytest.raises(ApplicationError) as refused:
        services.user_register(email="newuser@example.com", password=password)
    assert "password" in refused.value.extra["errors"]
    assert not User.objects.filter(email="newuser@example.com").exists()


def test_role_decides_staff_superuser_and_group():
    user = UserFactory()
    services.user_set_role(user=user, role=User.Role.INSTRUCTOR)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert list(user.groups.values_list("name", flat=True)) == ["Instructors"]
    services.user_set_role(user=user, role=User.Role.ADMIN)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert not user.groups.exists()
    services.user_set_role(user=user, role=User.Role.LEARNER)
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == ("learner", False, False)


def test_unknown_role_is_refused():
    with pytest.raises(ApplicationError):
        services.user_set_role(user=UserFactory(), role="owner")


def test_authenticate_gives_one_message_for_unknown_email_wrong_password_and_inactive():
    UserFactory(email="known@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    messages = set()
    for email, password in [
        ("nobody@example.com", PASSWORD),
        ("known@example.com", "wrong"),
        ("gone@example.com", PASSWORD),
    ]:
        with pytest.raises(AuthenticationFailedError) as refused:
            services.user_authenticate(email=email, password=password, client_ip="198.51.100.1")
        messages.add((refused.value.message, refused.value.code))
    assert len(messages) == 1


def test_account_is_locked_after_repeated_failures_even_for_the_right_password(settings):
    user = UserFactory()
    for i in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        with pytest.raises(AuthenticationFailedError):
            services.user_authenticate(email=user.email, password="wrong", client_ip=f"203.0.113.{i}")
    with pytest.raises(RateLimitedError) as locked:
        services.user_authenticate(email=user.email, password=PASSWORD, client_ip="203.0.113.99")
    assert 0 < locked.value.retry_after <= settings.LOGIN_LOCKOUT_SECONDS
    assert locked.value.code == "login_locked"


def test_lockout_ends_after_the_cool_down(settings):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
            with pytest.raises(AuthenticationFailedError):
                services.user_authenticate(email=user.email, password="wrong", client_ip="203.0.113.5")
        with pytest.raises(RateLimitedError):
            services.user_authenticate(email=user.email, password=PASSWORD, client_ip="203.0.113.5")
        traveller.shift(timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1))
        assert services.user_authenticate(email=user.email, password=PASSWORD, client_ip="203.0.113.5") == user


def test_one_address_guessing_many_accounts_is_locked(settings):
    settings.LOGIN_FAILURES_PER_CLIENT = 3
    victims = UserFactory.create_batch(4)
    for victim in victims[:3]:
        with pytest.raises(AuthenticationFailedError):
            services.user_authenticate(email=victim.email, password="wrong", client_ip="192.0.2.50")
    with pytest.raises(RateLimitedError):
        services.user_authenticate(email=victims[3].email, password=PASSWORD, client_ip="192.0.2.50")
    # Another address is not affected.
    assert services.user_authenticate(email=victims[3].email, password=PASSWORD, client_ip="192.0.2.51")


def test_refresh_rotates_and_the_old_refresh_token_stops_working():
    user = UserFactory()
    first = services.tokens_issue(user=user)
    second = services.tokens_refresh(refresh=first["refresh"])
    assert second["refresh"] != first["refresh"]
    with pytest.raises(AuthenticationFailedError):
        services.tokens_refresh(refresh=first["refresh"])
    assert services.tokens_refresh(refresh=second["refresh"])["access"]


def test_refresh_for_a_deactivated_user_is_refused():
    user = UserFactory()
    pair = services.tokens_issue(user=user)
    services.user_deactivate(user=user)
    with pytest.raises(AuthenticationFailedError):
        services.tokens_refresh(refresh=pair["refresh"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_yield_one_new_pair():
    user = UserFactory()
    refresh = services.tokens_issue(user=user)["refresh"]
    barrier = threading.Barrier(4)
    outcomes = []

    def use_token():
        barrier.wait()
        try:
            services.tokens_refresh(refresh=refresh)
            outcomes.append("ok")
        except AuthenticationFailedError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=use_token) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1


def test_password_reset_for_an_unknown_email_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(email="nobody@example.com")
    assert mail.outbox == []


def _reset_link(message) -> tuple[str, str]:
    match = re.search(r"/accounts/password-reset/([^/]+)/([^/]+)/", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def test_password_reset_sets_the_password_and_revokes_every_refresh_token(django_capture_on_commit_callbacks):
    user = UserFactory()
    pairs = [services.tokens_issue(user=user) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(email=user.email.upper())
    assert len(mail.outbox) == 1
    uid, token = _reset_link(mail.outbox[0])
    services.password_reset_confirm(uidb64=uid, token=token, new_password="a-brand-new-passphrase")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    assert user.password_changed_at is not None
    for pair in pairs:
        with pytest.raises(AuthenticationFailedError):
            services.tokens_refresh(refresh=pair["refresh"])
    with pytest.raises(ApplicationError) as reused:
        services.password_reset_confirm(uidb64=uid, token=token, new_password="yet-another-passphrase")
    assert reused.value.code == "invalid_token"
    assert "token" in reused.value.extra["errors"]


@pytest.mark.parametrize(("uid", "token"), [("bm9wZQ", "x-y"), ("!!!", "abc"), ("MTIzNDU2Nzg5", "set-abc")])
def test_password_reset_with_a_bad_link_is_refused(uid, token):
    with pytest.raises(ApplicationError):
        services.password_reset_confirm(uidb64=uid, token=token, new_password="a-brand-new-passphrase")


def test_welcome_email_is_sent_once_when_the_task_runs_twice():
    user = UserFactory()
    assert services.welcome_email_send(user_id=user.pk) is True
    assert services.welcome_email_send(user_id=user.pk) is False
    assert len(mail.outbox) == 1
    assert "Welcome" in mail.outbox[0].subject


def test_flush_removes_only_expired_refresh_tokens():
    user = UserFactory()
    services.tokens_issue(user=user)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        services.tokens_issue(user=user)
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert services.tokens_flush_expired() >= 1
    assert OutstandingToken.objects.filter(user=user).count() == 1


def test_email_change_needs_the_current_password():
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        services.user_update_profile(user=user, data={"email": "new@example.com"}, current_password="wrong")
    assert "current_password" in refused.value.extra["errors"]
    services.user_update_profile(user=user, data={"email": "New@Example.com"}, current_password=PASSWORD)
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_profile_rejects_an_unknown_time_zone():
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        services.user_update_profile(user=user, data={"time_zone": "Mars/Olympus"})
    assert "time_zone" in refused.value.extra["errors"]
    services.user_update_profile(user=user, data={"time_zone": "Europe/Paris", "bio": "Hi"})
    user.refresh_from_db()
    assert (user.time_zone, user.bio) == ("Europe/Paris", "Hi")
