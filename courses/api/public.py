"""The public catalog's answers, the same for every public viewer
(courses.access.sees_public_catalog): cached as the JSON bytes sent, so that a hit
neither unpickles objects nor renders them (courses.cache)."""

from collections.abc import Callable
from datetime import UTC

from django.utils import timezone
from rest_framework.response import Response

from courses.cache import by_public_request, cached


def _render(request, respond: Callable[[], Response]) -> bytes:
    # In UTC whoever asks first: a signed-in viewer's time zone must not reach others.
    with timezone.override(UTC):
        return request.accepted_renderer.render(respond().data, "application/json")


@cached("api-course-list", store="shared", key=by_public_request)
def course_list_json(request, respond: Callable[[], Response]) -> bytes:
    """A page of the public course list; `respond` builds it."""
    return _render(request, respond)


@cached("api-course-detail", store="shared", key=by_public_request)
def course_detail_json(request, respond: Callable[[], Response]) -> bytes:
    """A published course with its syllabus; `respond` builds it (a draft is a 404,
    raised there, and never cached)."""
    return _render(request, respond)
