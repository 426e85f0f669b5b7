"""Template tags that add the learner's state to course pages (the courses app's
templates load them; its Python code never imports enrollments)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from courses import fragments
from enrollments import access, selectors
from enrollments.models import Enrollment
from enrollments.outline import outline_html

register = template.Library()


@dataclass(frozen=True, slots=True)
class LearnerState:
    """What a course page shows of the requester in the course, read once for the page
    (its enrol panel and its syllabus both use it)."""

    enrollment: Enrollment | None
    progress: selectors.Progress | None  # for a seated learner
    read_all: bool  # may open every lesson


@register.simple_tag(takes_context=True)
def learner_state(context, course) -> LearnerState:
    user = context["request"].user
    enrollment = selectors.enrollment_for(user, course.pk)
    seated = enrollment is not None and enrollment.status in Enrollment.SEATED
    return LearnerState(
        enrollment=enrollment,
        progress=selectors.progress_for(enrollment) if seated else None,
        read_all=access.can_read_all_lessons(user, course, enrolled=seated),
    )


@register.inclusion_tag("enrollments/_enrol_panel.html", takes_context=True)
def enrol_panel(context, course, state: LearnerState):
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "course": course,
        "enrollment": state.enrollment,
        "progress": state.progress,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def syllabus(course, state: LearnerState):
    """The course page's syllabus: every item of every module in order. For a seated
    learner, with their state of each (enrollments.outline); for everyone else the same
    markup for all who see it alike (courses.fragments.syllabus): lessons are links for
    those who may read them all (enrollments.access), previews for everyone."""
    if state.progress is not None:
        links = fragments.outline_links(course.pk, course.slug)
        lessons = {link.entry.pk for _title, module in links for link in module if link.entry.item_type == "lesson"}
        return outline_html(
            links, progress=state.progress, readable=lessons, items_open=True, with_meta=True, heading="h3"
        )
    return fragments.syllabus(course.pk, course.slug, read_all=state.read_all)


# Beyond this many modules, bars too thin to read: the card keeps its one progress bar.
MODULE_BARS_MAX = 12


@register.simple_tag
def module_bars(modules: list[selectors.ModuleProgress]) -> SafeString:
    """A course's progress by module, one small bar per module (the dashboard's cards:
    `dashboard_for` reads them), for courses of 2 to MODULE_BARS_MAX modules. Joined in
    Python: a template per bar cost the dashboard a third of its throughput
    (docs/performance.md)."""
    if not 1 < len(modules) <= MODULE_BARS_MAX:
        return mark_safe("")  # nosec B308 B703: empty
    text = _("%(title)s: %(done)s of %(total)s done")
    rows = []
    for m in modules:
        label = text % {"title": m.title, "done": m.done, "total": m.total}
        rows.append((m.total, m.done, label, label))
    bars = format_html_join("", '<li><progress max="{}" value="{}" aria-label="{}" title="{}"></progress></li>', rows)
    return format_html('<ol class="module-bars" aria-label="{}">{}</ol>', _("Progress by module"), bars)


@register.inclusion_tag("enrollments/_next_step.html", takes_context=True)
def next_step_in(context, course):
    """The requester's next step in `course` on a page that knows nothing of their
    enrollment (a quiz's result): nothing when they are not enrolled."""
    enrollment = selectors.seated_enrollment_for(context["request"].user, course_id=course.pk)
    progress = selectors.progress_for(enrollment) if enrollment else None
    return next_step(progress, course, enrollment)


@register.inclusion_tag("enrollments/_next_step.html")
def next_step(progress, course, enrollment=None, item=None):
    """The learner's next step in the course, of any kind (Progress.next_item: a lesson,
    a required quiz; `item` where the page chose it, as the lesson page does: the next
    after its lesson), and how many steps are left; the way to the finish line once the
    course is complete."""
    if item is None and progress is not None:
        item = progress.next_item
    finished = (progress is not None and progress.is_complete) or (
        enrollment is not None and enrollment.status == Enrollment.Status.COMPLETED
    )
    return {"progress": progress, "course": course, "item": item, "finished": finished}
