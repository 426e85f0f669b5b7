"""Account pages: sign-up, login (with a safe ?next=), logout, password reset, profile."""

import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_a_learner_logs_in_and_lands_on_the_dashboard(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "New@Example.com", "first_name": "N", "last_name": "U", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="new@example.com")
    assert user.role == "learner"
    assert client.get("/dashboard/").status_code == 200


def test_signup_from_a_course_page_comes_back_to_it_ready_to_enrol(client):
    from courses.tests.factories import CourseFactory

    course = CourseFactory(status="published")
    page = client.get(f"/courses/{course.slug}/").content.decode()
    back = f"/courses/{course.slug}/%3Fenrol%3D1"
    assert f'href="/accounts/signup/?next={back}"' in page and f'href="/accounts/login/?next={back}"' in page
    form = client.get(f"/accounts/signup/?next=/courses/{course.slug}/%3Fenrol%3D1").content.decode()
    assert f'name="next" value="/courses/{course.slug}/?enrol=1"' in form
    assert f'href="/accounts/login/?next={back}"' in form  # "already have an account" keeps it too
    data = {"email": "n@example.com", "first_name": "N", "last_name": "U", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", {**data, "next": f"/courses/{course.slug}/?enrol=1"})
    assert response["Location"] == f"/courses/{course.slug}/?enrol=1"
    landed = client.get(response["Location"]).content.decode()
    assert "Welcome! Your account is ready." in landed and "One more step: enrol to start the course." in landed
    assert "autofocus" in landed.split('id="enrol-panel"')[1].split("</aside>")[0]


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"])
def test_signup_never_goes_on_to_another_site(client, target):
    data = {"email": "n@example.com", "first_name": "N", "last_name": "U", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", {**data, "next": target})
    assert response["Location"] == "/dashboard/"


def test_signup_shows_field_errors_inline(client):
    UserFactory(email="taken@example.com")
    response = client.post(
        "/accounts/signup/", {"email": "taken@example.com", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "email" in form.errors
    assert "password1" in form.errors
    assert b'class="errorlist"' in response.content


def test_login_lands_on_the_dashboard(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_login_follows_a_local_next(client):
    user = UserFactory()
    response = client.post("/accounts/login/?next=/accounts/profile/", {"username": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/profile/"


@pytest.mark.parametrize("target", ["https://evil.example.net/", "//evil.example.net/", "/\\evil.example.net"])
def test_login_ignores_a_next_that_leaves_the_site(client, target):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_login_page_wrong_password_is_a_form_error(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.email, "password": "wrong"})
    assert response.status_code == 400
    assert b"No active account found" in response.content


def test_login_page_shares_the_lockout_with_the_api(client, api_client, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_auth_pages_are_rate_limited_per_address(client, settings):
    settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = 2
    for _ in range(2):
        client.post("/accounts/password-reset/", {"email": "x@example.com"})
    response = client.post("/accounts/password-reset/", {"email": "x@example.com"})
    assert response.status_code == 429
    assert "Retry-After" in response


def test_logout_is_post_only(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_dashboard_needs_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_password_reset_pages_full_flow(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": user.email})
    assert response["Location"] == "/accounts/password-reset/done/"
    link = re.search(r"http://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-passphrase-2026", "new_password2": "a-new-passphrase-2026"},
    )
    assert done["Location"] == "/accounts/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password("a-new-passphrase-2026")
    assert user.password_changed_at is not None
    # The link works once.
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_page_says_the_same_for_unknown_emails(client):
    response = client.post("/accounts/password-reset/", {"email": "ghost@example.com"})
    assert response["Location"] == "/accounts/password-reset/done/"
    assert mail.outbox == []


def test_profile_page_updates_the_profile(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/profile/",
        {"first_name": "Grace", "last_name": "H", "bio": "<b>hi</b>", "time_zone": "Europe/Paris", "email": user.email},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.time_zone, user.bio) == ("Grace", "Europe/Paris", "<b>hi</b>")
    page = client.get("/accounts/profile/")
    assert b"&lt;b&gt;hi&lt;/b&gt;" in page.content  # escaped, never rendered as markup


def test_profile_email_change_without_password_is_refused_on_the_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/profile/", {"time_zone": "UTC", "email": "other@example.com"})
    assert response.status_code == 400
    assert "current_password" in response.context["form"].errors


def test_a_signed_in_learner_changes_their_password_and_every_other_session_ends(client):
    from django.test import Client

    from accounts.models import User
    from accounts.tests.factories import UserFactory

    user = UserFactory(password="old-Secret-2026!")
    other_device = Client()
    other_device.force_login(user)
    client.force_login(user)
    profile = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/password/"' in profile  # no longer the emailed reset form

    refused = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "n3w-Secret-2026!",
                                                  "new_password2": "n3w-Secret-2026!"})  # fmt: skip
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert User.objects.get(pk=user.pk).check_password("old-Secret-2026!")

    changed = client.post("/accounts/password/", {"old_password": "old-Secret-2026!", "new_password1": "n3w-Secret-2026!",
                                                  "new_password2": "n3w-Secret-2026!"})  # fmt: skip
    assert changed.status_code == 302 and changed["Location"] == "/accounts/profile/"
    user = User.objects.get(pk=user.pk)
    assert user.check_password("n3w-Secret-2026!")
    assert client.get("/accounts/profile/").status_code == 200  # this session stays signed in
    assert other_device.get("/accounts/profile/").status_code == 302  # the other one is signed out


def test_the_language_chosen_on_the_profile_is_used_for_pages_and_emails(client, django_capture_on_commit_callbacks):
    from accounts import services

    user = UserFactory(first_name="Marie")
    client.force_login(user)
    response = client.post("/accounts/language/", {"language": "fr", "next": "/dashboard/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"  # kept on the profile, not only in a cookie
    client.cookies.clear()  # another browser: no cookie
    client.force_login(user)
    assert "Bienvenue, Marie" in client.get("/dashboard/", headers={"Accept-Language": "en"}).content.decode()
    mail.outbox.clear()
    services.password_reset_email_send(user_id=user.pk)
    assert mail.outbox[0].subject == "Réinitialisez votre mot de passe Learning Hub"


def test_an_email_follows_the_profiles_language_over_the_one_active(db):
    from django.utils import translation

    from accounts import services

    user = UserFactory(language="fr")
    with translation.override("en"):
        services.password_reset_email_send(user_id=user.pk)
    assert mail.outbox[-1].subject == "Réinitialisez votre mot de passe Learning Hub"


def test_a_visitors_language_choice_sets_only_the_cookie(client):
    response = client.post("/accounts/language/", {"language": "fr", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "fr"
