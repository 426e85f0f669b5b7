"""What an export contains: the rows of each kind, for a set of courses, streamed in
chunks (a fixed number of queries per chunk, whatever the course size)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from courses import access
from courses.models import Course
from enrollments import selectors as enrollment_selectors
from enrollments.models import Enrollment, LessonProgress
from lms.csvutil import csv_safe
from quizzes.models import Attempt
from reports.models import Export

CHUNK = 2000

HEADERS = {
    Export.Kind.ENROLLMENTS: [
        "enrollment_id", "course", "course_title", "user_id", "email", "name", "status", "progress_percent",
        "enrolled_at", "completed_at", "dropped_at", "last_activity_at",
    ],
    Export.Kind.PROGRESS: [
        "enrollment_id", "course", "user_id", "email", "module", "lesson_id", "lesson", "first_viewed_at",
        "completed_at",
    ],
    Export.Kind.GRADES: [
        "attempt_id", "course", "quiz_id", "quiz", "user_id", "email", "attempt", "started_at", "submitted_at",
        "score", "max_score", "percent", "passed",
    ],
    Export.Kind.GRADEBOOK: [
        "course", "user_id", "email", "name", "item", "item_kind", "points", "percent", "set_by_hand", "reason",
    ],
}  # fmt: skip
GRADEBOOK_PAGE = 500  # learners read at a time: grades.selectors.grid costs the same queries for any page


def exportable_courses(user) -> QuerySet[Course]:
    """The courses whose learners `user` may export: all for staff, their own for
    instructors, none for anyone else."""
    if access.is_full_access(user):
        return Course.objects.all()
    if user.is_authenticated and user.is_active and user.is_instructor:
        return Course.objects.filter(instructors=user)
    return Course.objects.none()


def export_list_for(user) -> QuerySet[Export]:
    return Export.objects.filter(requested_by=user).select_related("course")


def _date(value) -> str:
    return value.isoformat() if value else ""


def _chunks(qs: QuerySet) -> Iterator[list]:
    chunk: list = []
    for obj in qs.iterator(chunk_size=CHUNK):
        chunk.append(obj)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_rows(export: Export, course_ids: QuerySet) -> Iterator[list]:
    """The data rows of `export` (without the header), for the courses `course_ids`."""
    if export.kind == Export.Kind.ENROLLMENTS:
        qs = enrollment_selectors.with_progress_counts(
            Enrollment.objects.filter(course_id__in=course_ids).select_related("user", "course").order_by("id")
        )
        for chunk in _chunks(qs):
            for e in enrollment_selectors.attach_progress(chunk):
                yield [
                    e.pk, e.course.slug, csv_safe(e.course.title), e.user_id, csv_safe(e.user.email),
                    csv_safe(e.user.display_name), e.status, e.progress.percent, _date(e.enrolled_at),
                    _date(e.completed_at), _date(e.dropped_at), _date(e.last_activity_at),
                ]  # fmt: skip
    elif export.kind == Export.Kind.PROGRESS:
        qs = (
            LessonProgress.objects.filter(enrollment__course_id__in=course_ids)
            .select_related("enrollment__user", "enrollment__course", "lesson__module")
            .order_by("enrollment_id", "lesson__module__position", "lesson__position", "lesson_id")
        )
        for p in qs.iterator(chunk_size=CHUNK):
            yield [
                p.enrollment_id, p.enrollment.course.slug, p.enrollment.user_id, csv_safe(p.enrollment.user.email),
                csv_safe(p.lesson.module.title), p.lesson_id, csv_safe(p.lesson.title), _date(p.first_viewed_at),
                _date(p.completed_at),
            ]  # fmt: skip
    elif export.kind == Export.Kind.GRADES:
        qs = (
            Attempt.objects.filter(quiz__course_id__in=course_ids, status=Attempt.Status.SUBMITTED, counts=True)
            .select_related("user", "quiz__course")
            .defer("paper")
            .order_by("quiz__course_id", "quiz_id", "user_id", "number")
        )
        for a in qs.iterator(chunk_size=CHUNK):
            yield [
                a.pk, a.quiz.course.slug, a.quiz_id, csv_safe(a.quiz.title), a.user_id, csv_safe(a.user.email),
                a.number, _date(a.started_at), _date(a.submitted_at), a.score, a.max_score, a.percent,
                "" if a.passed is None else ("yes" if a.passed else "no"),
            ]  # fmt: skip
    elif export.kind == Export.Kind.GRADEBOOK:
        yield from _gradebook_rows(course_ids)
    else:  # pragma: no cover - Kind is a closed set
        raise ValueError(export.kind)


def _gradebook_rows(course_ids: QuerySet) -> Iterator[list]:
    """Each learner's cell of each grade item as the teachers see it, then their course
    grade (item "course grade", with its letter as the reason), course by course, a page
    of learners at a time."""
    from grades import selectors as grade_selectors

    for course in Course.objects.filter(pk__in=course_ids).order_by("slug"):
        page, pages = 1, 1
        while page <= pages:
            grid = grade_selectors.grid(course, page=page, per_page=GRADEBOOK_PAGE)
            pages = grid.pages
            for row in grid.rows:
                person = [course.slug, row.user_id, csv_safe(row.email), csv_safe(row.name)]
                for item in grid.items:
                    cell = row.cells[item.key]
                    yield [
                        *person, csv_safe(item.title), item.kind, item.points,
                        "" if cell.percent is None else cell.percent, "yes" if cell.overridden else "",
                        csv_safe(cell.reason),
                    ]  # fmt: skip
                yield [
                    *person,
                    "course grade",
                    "course",
                    "",
                    "" if row.percent is None else row.percent,
                    "",
                    row.letter,
                ]
            page += 1
