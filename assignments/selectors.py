"""Assignment reads, scoped to the requester: an assignment exists for you only if its
course does; a submission for its learner, the course's instructors and staff."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from assignments.models import Assignment, Submission, SubmissionFile, requirement_key
from courses import access
from courses.selectors import OutlineItem
from lms.exceptions import NotFoundError, PermissionDeniedError


def assignment_get_for(user, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.filter(access.visible_courses_q(user, via="course"), pk=assignment_id)
        .select_related("course", "module")
        .order_by()
        .first()
    )
    if assignment is None:
        raise NotFoundError("Assignment not found.")
    return assignment


def assignments_of(course) -> QuerySet[Assignment]:
    """A course's assignments (the caller checked the course is visible), in outline order."""
    return (
        Assignment.objects.filter(course=course)
        .select_related("course", "module")
        .order_by("module__position", "module_id", "id")
    )


def own_due_dates(user, assignment_ids: list[int]) -> dict[int, object]:
    """`user`'s extended due dates among these assignments (one query; none when signed out)."""
    if not user.is_authenticated or not assignment_ids:
        return {}
    from assignments.models import Extension

    return dict(
        Extension.objects.filter(user=user, assignment_id__in=assignment_ids).values_list("assignment_id", "due_at")
    )


def assignment_get_for_edit(user, assignment_id: int) -> Assignment:
    """assignment_get_for, and 403 unless `user` teaches its course."""
    assignment = assignment_get_for(user, assignment_id)
    if not access.can_edit_course(user, assignment.course):
        raise PermissionDeniedError("Only this course's instructors can grade or change it.")
    return assignment


def _files() -> Prefetch:
    return Prefetch("files", queryset=SubmissionFile.objects.order_by("id"))


def submissions_of(user, assignment: Assignment) -> QuerySet[Submission]:
    """The learner's own submissions to `assignment`, newest first, with their files."""
    return (
        Submission.objects.filter(user=user, assignment=assignment)
        .select_related("assignment")
        .prefetch_related(_files(), "feedback_files")
        .order_by("-number")
    )


def _visible_submissions_q(user) -> Q:
    """Its learner sees their own, drafts included; the course's teachers and staff what
    is handed in (a draft is the learner's until they hand it in)."""
    handed_in = ~Q(status=Submission.Status.DRAFT)
    if access.is_full_access(user):
        return Q(user=user) | handed_in
    return Q(user=user) | (handed_in & access.teaches_q(user, via="assignment__course"))


def submission_get_for(user, submission_id: int) -> Submission:
    """A submission its learner, the course's instructors or staff may see (404 to anyone
    else), with its assignment, course, learner and files."""
    submission = (
        Submission.objects.filter(_visible_submissions_q(user), pk=submission_id)
        .select_related("assignment__course", "user", "graded_by")
        .prefetch_related(_files(), "feedback_files")
        .order_by()
        .first()
    )
    if submission is None:
        raise NotFoundError("Submission not found.")
    return submission


def learner_label(submission: Submission) -> str:
    """Who handed the work in, as a grader sees it: their name, or under anonymous grading
    a number of their own (the same on every submission of theirs to the assignment)
    until the grades are released."""
    assignment = submission.assignment
    if assignment.anonymous_grading and submission.status != Submission.Status.RETURNED:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{assignment.pk}:{submission.user_id}".encode(), hashlib.sha256
        ).hexdigest()
        return str(_("Learner %(n)s") % {"n": int(digest[:8], 16) % 900_000 + 100_000})
    return submission.user.display_name


def feedback_file_get_for(user, submission_id: int, file_id: int):
    """A file returned with the feedback: to the course's teachers and staff, and to the
    learner once the grade is released (404 otherwise)."""
    submission = submission_get_for(user, submission_id)
    if not grade_visible_to(user, submission):
        raise NotFoundError("File not found.")
    found = submission.feedback_files.filter(pk=file_id).first()
    if found is None:
        raise NotFoundError("File not found.")
    return found


def grade_visible_to(user, submission: Submission) -> bool:
    """A learner sees their grade once it is released; the course's teachers always."""
    return submission.status == Submission.Status.RETURNED or access.can_edit_course(user, submission.assignment.course)


def submissions_to_grade(user, assignment: Assignment | None = None) -> QuerySet[Submission]:
    """Work handed in and not graded yet, in the courses `user` teaches (all for staff),
    oldest first: the grading queue."""
    rows = Submission.objects.filter(status=Submission.Status.SUBMITTED)
    if not access.is_full_access(user):
        rows = rows.filter(access.teaches_q(user, via="assignment__course"))
    if assignment is not None:
        rows = rows.filter(assignment=assignment)
    return rows.select_related("assignment", "user").order_by("submitted_at", "id")


def waiting_by_course(course_ids: Iterable[int]) -> dict[int, int]:
    """How many submissions wait for a grade in each of these courses (one query)."""
    from django.db.models import Count

    rows = (
        Submission.objects.filter(status=Submission.Status.SUBMITTED, assignment__course_id__in=list(course_ids))
        .values("assignment__course_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assignment__course_id"]: row["n"] for row in rows}


def assignment_url_builder() -> Callable[[int], str]:
    marker = 987654321
    head, tail = reverse("assignments:detail", kwargs={"assignment_id": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def outline_items(course_ids: Iterable[int]) -> list[OutlineItem]:
    """The assignments of these courses as items of their outlines, at the end of their
    module, in id order. One query; kept with the outline per catalog version, which an
    assignment saved or deleted bumps (assignments/receivers.py)."""
    url = assignment_url_builder()
    rows = (
        Assignment.objects.filter(course_id__in=course_ids)
        .order_by("id")
        .values_list("pk", "title", "is_required", "module_id")
    )
    return [
        OutlineItem(
            item_type="assignment",
            label=pgettext_lazy("an item of a course's outline", "Assignment"),
            pk=pk,
            title=title,
            module_id=module_id,
            after_lesson_id=None,
            url=url(pk),
            key=requirement_key(pk),
            is_required=is_required,
        )
        for pk, title, is_required, module_id in rows
    ]
