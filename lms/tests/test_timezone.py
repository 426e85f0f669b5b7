"""Pages show dates in the signed-in user's time zone."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from lms.middleware import UserTimezoneMiddleware

pytestmark = pytest.mark.django_db


def _render_now_in(user) -> str:
    request = RequestFactory().get("/")
    request.user = user

    def view(request):
        from django.http import HttpResponse

        moment = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
        return HttpResponse(Template("{{ moment|date:'H:i e' }}").render(Context({"moment": moment})))

    return UserTimezoneMiddleware(view)(request).content.decode()


def test_dates_render_in_the_users_time_zone():
    assert _render_now_in(UserFactory(time_zone="Asia/Tokyo")) == "21:00 JST"
    assert _render_now_in(UserFactory(time_zone="UTC")) == "12:00 UTC"


def test_the_time_zone_does_not_leak_into_the_next_request():
    _render_now_in(UserFactory(time_zone="America/New_York"))
    assert timezone.get_current_timezone_name() == "UTC"
