"""Who may see and edit what in a course: the roles table of docs/security.md, in one place.

Reading a lesson's content also depends on enrollment, which the enrollments app knows
and this app must not import. Enrollments registers its check here when it starts
(`register_enrollment_check`), keeping the dependency pointing one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from courses.models import Course, Lesson

M = TypeVar("M", bound=Model)

_enrollment_checks: list[Callable[[object, int], bool]] = []


def register_enrollment_check(check: Callable[[object, int], bool]) -> None:
    """`check(user, course_id)` says whether `user` is enrolled in the course."""
    if check not in _enrollment_checks:
        _enrollment_checks.append(check)


def is_full_access(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_full_access)


def visible_courses_q(user, *, via: str = "") -> Q:
    """Courses `user` may see: published ones; plus their own as instructor; all for staff.
    Archived courses stay visible to those who can already see them through teaching.

    `via`: the path from the rows filtered to their course ("course" for lessons), empty
    for courses themselves. Teaching is an EXISTS, not a join: no row is repeated (no
    DISTINCT needed), and a lesson read by id is planned in half the time of a subquery
    over the catalog (docs/performance.md)."""
    if is_full_access(user):
        return Q()
    published = Q(**{f"{via}__status" if via else "status": Course.Status.PUBLISHED})
    if user is not None and user.is_authenticated:
        return published | teaches_q(user, via=via)
    return published


def teaches_q(user, *, via: str = "") -> Q:
    """Rows whose course (reached through `via`, e.g. "quiz__course"; empty for courses)
    `user` teaches, as an EXISTS on the instructors table: a join there would repeat a
    row once per instructor and need a DISTINCT, which PostgreSQL pays for by comparing
    whole rows (JSON papers and texts included)."""
    teaching = Course.instructors.through.objects.filter(
        user_id=user.pk, course_id=OuterRef(f"{via}_id" if via else "pk")
    )
    return Q(Exists(teaching))


def scope_to_teaching(qs: QuerySet[M], user, *, via: str = "") -> QuerySet[M]:
    """`qs` as `user` may manage it in the admin and the instructor tools: everything for
    staff, else the rows of the courses they teach (`via` as for teaches_q). The one
    instructor scope every admin uses."""
    return qs if is_full_access(user) else qs.filter(teaches_q(user, via=via))


def sees_public_catalog(user) -> bool:
    """Anonymous users and learners all see the same catalog: the published courses
    (what a learner once taught stays out), so one answer can be shared among them.
    Instructors and staff see their drafts too."""
    return user is None or not user.is_authenticated or not (user.is_instructor or user.has_full_access)


def teaches(user, course: Course) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if hasattr(course, "_prefetched_objects_cache") and "instructors" in course._prefetched_objects_cache:
        return any(instructor.pk == user.pk for instructor in course.instructors.all())
    return course.instructors.filter(pk=user.pk).exists()


def can_edit_course(user, course: Course) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return is_full_access(user) or (user.is_active and teaches(user, course))


def is_enrolled(user, course: Course) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return any(check(user, course.pk) for check in _enrollment_checks)


def can_read_all_lessons(user, course: Course, *, enrolled: bool | None = None) -> bool:
    """Enrolled learners, the course's instructors and staff read every lesson.

    `enrolled`: whether `user` is enrolled in `course`, when the caller has just read the
    enrollment; None asks the enrollment hook. Enrollment is asked first: most readers
    are learners, and the instructor check is a query unless the instructors are
    prefetched."""
    if enrolled is None:
        enrolled = is_enrolled(user, course)
    return enrolled or can_edit_course(user, course)


def can_read_lesson(user, lesson: Lesson, course: Course | None = None, *, enrolled: bool | None = None) -> bool:
    """Preview lessons: anyone who can see the course. Others: enrolled learners, the
    course's instructors and staff (`enrolled` as for can_read_all_lessons)."""
    if lesson.is_preview:
        return True
    return can_read_all_lessons(user, course or lesson.course, enrolled=enrolled)
