"""The instructor home's numbers for integrators (reports.analytics), scoped like every other
read: an instructor's own courses, every course for staff, a learner's own summary.

- `analytics/overview/`: the courses you teach with their numbers, enrolments and activity
  by day, the at-risk list (instructors and staff; 403 for learners);
- `analytics/courses/{slug}/`: one course's numbers, its completion funnel and score
  distributions (404 unless you teach it, or are staff);
- `analytics/site/`: the same over every course, plus the operations counts (staff);
- `analytics/me/`: your own learning in numbers (anyone signed in);
- `analytics/remind/` (POST): remind at-risk learners of your courses, once a day at most.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from courses import access
from enrollments import services as enrollment_services
from reports import analytics
from reports.selectors import exportable_courses


class Teaches(permissions.BasePermission):
    message = "Only instructors and staff have course analytics."

    def has_permission(self, request, view):
        return access.can_use_instructor_admin(request.user)


class IsStaff(permissions.BasePermission):
    message = "Only staff see the whole site's numbers."

    def has_permission(self, request, view):
        return access.is_full_access(request.user)


class CourseNumbersSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.CharField()
    lessons = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    active_this_week = serializers.IntegerField()
    completed = serializers.IntegerField()
    average_progress = serializers.IntegerField(help_text="Percent of the lessons, over the enrolled learners.")
    average_score = serializers.FloatField(
        allow_null=True, help_text="Percent, over the submitted attempts that count."
    )
    waiting = serializers.IntegerField(help_text="Assignment work handed in and not graded yet.")


class DayCountSerializer(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField()
    active_this_week = serializers.IntegerField()
    completed = serializers.IntegerField()
    average_progress = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)
    waiting = serializers.IntegerField(help_text="Assignment work handed in and not graded yet.")


class AtRiskSerializer(serializers.Serializer):
    enrollment_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    course_id = serializers.IntegerField()
    course_title = serializers.CharField()
    last_seen_at = serializers.DateTimeField()
    progress = serializers.IntegerField()
    reminded_at = serializers.DateTimeField(allow_null=True)


class ActivitySerializer(serializers.Serializer):
    lessons_completed = DayCountSerializer(many=True)
    attempts_submitted = DayCountSerializer(many=True)


class OverviewSerializer(serializers.Serializer):
    totals = TotalsSerializer()
    courses = CourseNumbersSerializer(many=True)
    enrolments_by_day = DayCountSerializer(many=True)
    activity_by_day = ActivitySerializer()
    at_risk = AtRiskSerializer(many=True)


class FunnelStepSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    title = serializers.CharField()
    completed = serializers.IntegerField()


class ScoreDistributionSerializer(serializers.Serializer):
    quiz_id = serializers.IntegerField()
    title = serializers.CharField()
    buckets = serializers.ListField(
        child=serializers.IntegerField(), help_text="Attempts scoring 0-9 %, ..., 90-100 %."
    )
    attempts = serializers.IntegerField()


class CourseAnalyticsSerializer(serializers.Serializer):
    numbers = CourseNumbersSerializer()
    enrolments_by_day = DayCountSerializer(many=True)
    activity_by_day = ActivitySerializer()
    completion_funnel = FunnelStepSerializer(many=True)
    score_distributions = ScoreDistributionSerializer(many=True)
    at_risk = AtRiskSerializer(many=True)


class OperationsSerializer(serializers.Serializer):
    dead_webhook_deliveries = serializers.IntegerField()
    certificates_pending = serializers.IntegerField()
    certificates_failed = serializers.IntegerField()
    exports_failed = serializers.IntegerField()
    outbox_waiting = serializers.IntegerField()


class SiteSerializer(OverviewSerializer):
    operations = OperationsSerializer()


class LearnerSummarySerializer(serializers.Serializer):
    courses = serializers.IntegerField()
    completed = serializers.IntegerField()
    lessons_completed = serializers.IntegerField()
    lessons_completed_last_30_days = serializers.IntegerField()
    quiz_attempts = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)
    certificates = serializers.IntegerField()


class RemindSerializer(serializers.Serializer):
    enrollment_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=200)


def _totals(overview: analytics.Overview) -> dict:
    return {k: v for k, v in asdict(overview).items() if k != "courses"}


def _activity(user, **kwargs) -> dict:
    lessons, attempts = analytics.activity_by_day(user, **kwargs)
    return {"lessons_completed": [asdict(d) for d in lessons], "attempts_submitted": [asdict(d) for d in attempts]}


def _overview(user) -> dict:
    overview = analytics.overview(user)
    return {
        "totals": _totals(overview),
        "courses": [asdict(n) for n in overview.courses],
        "enrolments_by_day": [asdict(d) for d in analytics.enrolments_by_day(user)],
        "activity_by_day": _activity(user),
        "at_risk": [asdict(r) for r in analytics.at_risk(user)],
    }


@extend_schema(responses=OverviewSerializer, tags=["analytics"])
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, Teaches])
def overview(request: Request) -> Response:
    """The courses you teach (all, for staff), with their numbers, the last 30 days by day
    and the learners at risk."""
    return Response(OverviewSerializer(_overview(request.user)).data)


@extend_schema(responses=CourseAnalyticsSerializer, tags=["analytics"])
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def course(request: Request, slug: str) -> Response:
    """One course you teach: its numbers, where learners stop (the lessons in order, with how
    many completed each), how its quizzes score, and its learners at risk. 404 otherwise."""
    user = request.user
    found = exportable_courses(user).filter(slug=slug).first()
    if found is None:
        raise Http404("No such course.")
    (numbers,) = analytics.overview(user, courses=exportable_courses(user).filter(pk=found.pk)).courses
    data = {
        "numbers": asdict(numbers),
        "enrolments_by_day": [asdict(d) for d in analytics.enrolments_by_day(user, course_id=found.pk)],
        "activity_by_day": _activity(user, course_id=found.pk),
        "completion_funnel": [asdict(s) for s in analytics.completion_funnel(found.pk)],
        "score_distributions": [asdict(s) for s in analytics.score_distributions(found.pk)],
        "at_risk": [asdict(r) for r in analytics.at_risk(user, course_id=found.pk)],
    }
    return Response(CourseAnalyticsSerializer(data).data)


@extend_schema(responses=SiteSerializer, tags=["analytics"])
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, IsStaff])
def site(request: Request) -> Response:
    """Every course's numbers and the operations counts (staff)."""
    data = _overview(request.user) | {"operations": asdict(analytics.operations())}
    return Response(SiteSerializer(data).data)


@extend_schema(responses=LearnerSummarySerializer, tags=["analytics"])
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def me(request: Request) -> Response:
    """Your own learning in numbers."""
    return Response(LearnerSummarySerializer(asdict(analytics.learner_summary(request.user))).data)


@extend_schema(
    request=RemindSerializer,
    responses=inline_serializer(
        "RemindResult", {"sent": serializers.IntegerField(), "already_reminded": serializers.IntegerField()}
    ),
    tags=["analytics"],
)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, Teaches])
def remind(request: Request) -> Response:
    """Email the reminder to these enrollments' learners (active ones of your courses; other
    ids are ignored). A learner reminded in the last day is not reminded again, so a retried
    request sends nothing twice."""
    serializer = RemindSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    reminded = enrollment_services.enrollment_remind(
        enrollment_ids=serializer.validated_data["enrollment_ids"], by=request.user
    )
    return Response({"sent": reminded.sent, "already_reminded": reminded.already})
