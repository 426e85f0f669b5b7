"""The instructor home: the admin's first page (settings.UNFOLD["DASHBOARD_CALLBACK"]), drawn
by templates/admin/index.html from reports.analytics.

An instructor sees their own courses; staff see every course and the operations counts.
The charts are Chart.js (vendored by django-unfold, no CDN), fed JSON in a data attribute
(no inline script); each chart has its numbers in a table too, for screen readers and for
whoever prefers to read.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _

from courses import access
from reports import analytics

_COLOURS = ("var(--color-primary-600)", "var(--color-primary-300)")


def _chart(labels: list[str], *datasets: tuple[str, list[int]]) -> str:
    """Chart.js data, as unfold's chart component takes it (the brand's shades resolved in
    the browser)."""
    return json.dumps(
        {
            "labels": labels,
            "datasets": [
                {"label": name, "data": data, "backgroundColor": colour, "borderColor": colour, "maxBarThickness": 28}
                for (name, data), colour in zip(datasets, _COLOURS, strict=False)
            ],
        }
    )


def _day(day) -> str:
    return formats.date_format(day, "M j")


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    user = request.user
    if not access.can_use_instructor_admin(user):
        return context
    overview = analytics.overview(user)
    numbers = {n.course_id: n for n in overview.courses}
    chosen = request.GET.get("course", "")
    course_id = int(chosen) if chosen.isdigit() and int(chosen) in numbers else None
    if course_id is None and overview.courses:
        course_id = max(overview.courses, key=lambda n: (n.enrolled, -n.course_id)).course_id

    enrolments = analytics.enrolments_by_day(user)
    lessons, attempts = analytics.activity_by_day(user)
    funnel = analytics.completion_funnel(course_id) if course_id else []
    scores = analytics.score_distributions(course_id) if course_id else []
    bands = [f"{b * 10}\u2013{b * 10 + 9}" if b < 9 else "90\u2013100" for b in range(10)]  # en dashes
    context.update(
        {
            "title": _("Across the site") if access.is_full_access(user) else _("Your teaching"),
            "home": {
                "is_staff_view": access.is_full_access(user),
                "overview": overview,
                "course": numbers.get(course_id) if course_id else None,
                "enrolments": enrolments,
                "enrolments_chart": _chart(
                    [_day(d.day) for d in enrolments], (_("Enrolments"), [d.count for d in enrolments])
                ),
                "activity": list(zip(lessons, attempts, strict=True)),
                "activity_chart": _chart(
                    [_day(d.day) for d in lessons],
                    (_("Lessons completed"), [d.count for d in lessons]),
                    (_("Quiz attempts submitted"), [d.count for d in attempts]),
                ),
                "funnel": funnel,
                "funnel_chart": _chart(
                    [s.title for s in funnel], (_("Learners who completed it"), [s.completed for s in funnel])
                ),
                "scores": [
                    (
                        s,
                        bands,
                        _chart(bands, (_("Attempts"), list(s.buckets))),
                        list(zip(bands, s.buckets, strict=True)),
                    )
                    for s in scores
                ],
                "at_risk": analytics.at_risk(user),
                "at_risk_days": settings.AT_RISK_IDLE_DAYS,
                "at_risk_percent": settings.AT_RISK_BELOW_PERCENT,
                "operations": analytics.operations() if access.is_full_access(user) else None,
            },
        }
    )
    return context
