"""Learner pages: enrol, lessons with saved progress, the dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import fragments
from courses import selectors as course_selectors
from courses.files import attachment_response
from enrollments import access as lesson_access
from enrollments import selectors, services
from enrollments.models import Enrollment
from lms.exceptions import ApplicationError


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
    if progress.next_lesson_id:
        return redirect("enrollments:lesson", slug=slug, lesson_id=progress.next_lesson_id)
    return redirect("courses:detail", slug=slug)


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


def _outline_html(links: fragments.OutlineLinks, *, current_id: int, done: set[int], readable: set[int]) -> SafeString:
    """The lesson page's outline with the learner's state: the course's cached links
    (escaped there, courses.fragments.outline_links) joined here, because a template loop
    over a long course's lessons cost more than the rest of the page (docs/performance.md)."""
    done_text = format_html('<span class="visually-hidden">{}</span><span aria-hidden="true">✓</span>', _("(done)"))
    locked_text = format_html(
        '<span class="visually-hidden">{}</span><span aria-hidden="true">🔒</span>', _("(locked)")
    )
    parts: list[str] = []
    for module_title, items in links:
        parts.append(f'<h2 class="outline-module">{module_title}</h2>\n<ol class="outline">\n')
        for pk, title, href in items:
            is_current, is_done = pk == current_id, pk in done
            is_locked = not is_done and pk not in readable
            state = "current" if is_current else "done" if is_done else "locked" if is_locked else ""
            if pk in readable:
                current = ' aria-current="page"' if is_current else ""
                title = f'<a href="{href}"{current}>{title}</a>'
            badge = done_text if is_done else locked_text if is_locked else ""
            parts.append(f'<li class="{state}">{title} {badge}</li>\n')
        parts.append("</ol>\n")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703: every value above is escaped


def lesson(request, slug: str, lesson_id: int):
    # The enrollment is read once, first, and decides access with the lesson (one query
    # each); the visit and the progress reuse it.
    enrollment = selectors.seated_enrollment_for(request.user, course_slug=slug)
    lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    can_read = lesson_access.can_read_lesson(request.user, lesson, enrolled=enrollment is not None)
    course = lesson.course
    if enrollment and can_read:
        services.lesson_visit(user=request.user, lesson=lesson, enrollment=enrollment)
    ordered = course_selectors.outline_lessons(course.pk)
    position = next(i for i, ls in enumerate(ordered) if ls.pk == lesson.pk)
    progress = selectors.progress_for(enrollment) if enrollment else None
    if enrollment or lesson_access.can_read_all_lessons(request.user, course, enrolled=False):
        readable = {ls.pk for ls in ordered}
    else:
        readable = {ls.pk for ls in ordered if ls.is_preview}
    done = progress.completed_lesson_ids if progress else set()
    links = fragments.outline_links(course.pk, course.slug)
    outline = _outline_html(links, current_id=lesson.pk, done=done, readable=readable)
    context = {
        "course": course,
        "lesson": lesson,
        "can_read": can_read,
        "enrollment": enrollment,
        "progress": progress,
        "outline": outline,
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
    if request.POST.get("next") == "continue":  # the plain form moves on; enhance.js stays
        lessons = course_selectors.outline_lessons(lesson.course_id)
        next_lesson_id = selectors.next_lesson_id(lessons, done.progress.completed_lesson_ids)
        if next_lesson_id:
            return redirect("enrollments:lesson", slug=slug, lesson_id=next_lesson_id)
    return redirect("enrollments:lesson", slug=slug, lesson_id=lesson.pk)


def attachment(request, slug: str, lesson_id: int, attachment_id: int):
    lesson = course_selectors.lesson_get_for(request.user, lesson_id, course_slug=slug)
    if not lesson_access.can_read_lesson(request.user, lesson):
        raise Http404("Attachment not found.")
    found = next((a for a in lesson.attachments.all() if a.pk == attachment_id), None)
    if found is None:
        raise Http404("Attachment not found.")
    return attachment_response(found)


@login_required
def dashboard(request):
    enrollments = selectors.dashboard_for(request.user)
    context = {
        "active": [e for e in enrollments if e.status == Enrollment.Status.ACTIVE],
        "completed": [e for e in enrollments if e.status == Enrollment.Status.COMPLETED],
    }
    return render(request, "enrollments/dashboard.html", context)
