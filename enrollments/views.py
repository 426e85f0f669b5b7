"""Learner pages: enrol, lessons with saved progress, the dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import fragments
from courses import selectors as course_selectors
from courses.files import attachment_response, lesson_video_response
from enrollments import access as lesson_access
from enrollments import selectors, services
from enrollments.models import Enrollment
from enrollments.outline import outline_html
from lms.exceptions import ApplicationError, NotFoundError


@login_required
@require_POST
def enrol(request, slug: str):
    course = course_selectors.course_get_for(request.user, slug, with_outline=False)
    try:
        enrollment, created = services.enrollment_create(user=request.user, course=course)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("courses:detail", slug=slug)
    if created:
        messages.success(request, _("You are enrolled. Enjoy the course!"))
    if request.POST.get("stay"):  # enrolled from the page without reloading it (static/js/enhance.js)
        return redirect("courses:detail", slug=slug)
    progress = selectors.progress_for(enrollment)
    if progress.next_item is not None:
        return redirect(_item_url(slug, progress.next_item))
    return redirect("courses:detail", slug=slug)


def _item_url(slug: str, item: course_selectors.OutlineEntry) -> str:
    if item.item_type == "lesson":
        return reverse("enrollments:lesson", kwargs={"slug": slug, "lesson_id": item.pk})
    return item.url


@login_required
@require_POST
def drop(request, slug: str):
    course = course_selectors.course_get_for(request.user, slug, with_outline=False)
    enrollment = selectors.enrollment_for(request.user, course.pk)
    if enrollment is None:
        raise Http404("You are not enrolled in this course.")
    try:
        services.enrollment_drop(enrollment=enrollment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You left the course. Your progress is kept if you come back."))
    return redirect("enrollments:dashboard")


def lesson(request, slug: str, lesson_id: int):
    # The enrollment is read once, first, and decides access with the lesson (one query
    # each); the visit and the progress reuse it.
    enrollment = selectors.seated_enrollment_for(request.user, course_slug=slug)
    lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    can_read = lesson_access.can_read_lesson(request.user, lesson, enrolled=enrollment is not None)
    course = lesson.course
    video = None
    if enrollment and can_read:
        services.lesson_visit(user=request.user, lesson=lesson, enrollment=enrollment)
        if lesson.video_file:  # where to resume, how much is watched: one query, video lessons only
            video = selectors.video_progress_of(enrollment, lesson)
    course_outline = course_selectors.outline_for(course.pk)  # read once for the page
    ordered = course_outline.lessons
    position = next(i for i, ls in enumerate(ordered) if ls.pk == lesson.pk)
    progress = selectors.progress_for(enrollment) if enrollment else None
    if enrollment or lesson_access.can_read_all_lessons(request.user, course, enrolled=False):
        readable = {ls.pk for ls in ordered}
    else:
        readable = {ls.pk for ls in ordered if ls.is_preview}
    done = progress.completed_lesson_ids if progress else set()
    links = fragments.outline_links(course.pk, course.slug)
    outline = outline_html(
        links, progress=progress, readable=readable, items_open=enrollment is not None, current_id=lesson.pk
    )
    # The items placed after this lesson (its quizzes), offered under it.
    items_here = [e for e in course_outline.items if e.item_type != "lesson" and e.after_lesson_id == lesson.pk]
    context = {
        "course": course,
        "lesson": lesson,
        "can_read": can_read,
        "enrollment": enrollment,
        "progress": progress,
        "outline": outline,
        "items_here": items_here,
        # Where "Continue" leads from here: the next item after this lesson first.
        "next_here": selectors.next_item_after(progress, course_outline, lesson.pk) if progress else None,
        "video": video,
        "done": done,
        "readable": readable,
        "previous": ordered[position - 1] if position > 0 else None,
        "next": ordered[position + 1] if position + 1 < len(ordered) else None,
    }
    return render(request, "enrollments/lesson.html", context, status=200 if can_read else 403)


@login_required
@require_POST
def lesson_complete(request, slug: str, lesson_id: int):
    lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    try:
        done = services.lesson_complete(user=request.user, lesson=lesson)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("courses:detail", slug=slug)
    if done.course_completed:
        messages.success(request, _("Congratulations, you completed the course!"))
        return redirect("enrollments:finished", slug=slug)
    if request.POST.get("next") == "continue":  # the plain form moves on; enhance.js stays
        item = selectors.next_item_after(done.progress, course_selectors.outline_for(lesson.course_id), lesson.pk)
        if item is not None:
            return redirect(_item_url(slug, item))
    return redirect("enrollments:lesson", slug=slug, lesson_id=lesson.pk)


def video(request, slug: str, lesson_id: int):
    lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    if not lesson.video_file or not lesson_access.can_read_lesson(request.user, lesson):
        raise Http404("Video not found.")
    return lesson_video_response(request, lesson)


def attachment(request, slug: str, lesson_id: int, attachment_id: int):
    try:
        lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    except NotFoundError:
        # An address written before the course's slug changed (an image placed in a
        # lesson's text keeps it): sent on to the current one, for whoever may read it.
        lesson = course_selectors.lesson_get_for(request.user, lesson_id)
        if not lesson_access.can_read_lesson(request.user, lesson):
            raise Http404("Attachment not found.") from None
        return redirect(
            "enrollments:attachment", slug=lesson.course.slug, lesson_id=lesson_id, attachment_id=attachment_id
        )
    if not lesson_access.can_read_lesson(request.user, lesson):
        raise Http404("Attachment not found.")
    found = next((a for a in lesson.attachments.all() if a.pk == attachment_id), None)
    if found is None:
        raise Http404("Attachment not found.")
    return attachment_response(found)


@login_required
def finished(request, slug: str):
    """The finish line: the course completed, the certificate's state (it updates by
    itself while the certificate is prepared), and courses to take next."""
    enrollment = selectors.seated_enrollment_for(request.user, course_slug=slug)
    if enrollment is None:
        raise Http404("You are not enrolled in this course.")
    if enrollment.status != Enrollment.Status.COMPLETED:
        return redirect("courses:detail", slug=slug)
    course = course_selectors.course_get_for(request.user, slug, with_outline=False)
    taken = selectors.seated_enrollments(request.user).values_list("course_id", flat=True)
    context = {
        "course": course,
        "enrollment": enrollment,
        "related": course_selectors.related_courses(course, excluding=taken),
    }
    return render(request, "enrollments/finished.html", context)


@login_required
def dashboard(request):
    enrollments = selectors.dashboard_for(request.user)
    context = {
        "active": [e for e in enrollments if e.status == Enrollment.Status.ACTIVE],
        "completed": [e for e in enrollments if e.status == Enrollment.Status.COMPLETED],
    }
    return render(request, "enrollments/dashboard.html", context)
