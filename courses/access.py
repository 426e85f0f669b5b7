"""Who may see and edit what in a course: the catalog's rows of the roles table in
docs/security.md. Who may read a lesson's content depends on enrollment too, and is
enrollments/access.py's rule."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from courses.models import Course

M = TypeVar("M", bound=Model)


def is_full_access(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_full_access)


def can_author(user) -> bool:
    """Who may create courses: active instructors and staff."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and (user.is_instructor or user.has_full_access)
    )


def can_use_instructor_admin(user) -> bool:
    """Who works in the admin's instructor workspace (courses, enrollments, attempts,
    certificates, exports), each list scoped to what they teach (scope_to_teaching):
    active instructors and staff."""
    return can_author(user)


def visible_courses_q(user, *, via: str = "") -> Q:
    """Courses `user` may see: published ones; plus their own as instructor; all for staff.
    Archived courses stay visible to those who can already see them through teaching.

    `via`: the path from the rows filtered to their course ("course" for lessons), empty
    for courses themselves. Teaching is an EXISTS, not a join: no row is repeated (no
    DISTINCT needed), and a lesson read by id is planned faster than with a subquery over
    the catalog (docs/performance.md)."""
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
