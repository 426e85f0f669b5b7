"""Template tags that add the learner's state to course pages (the courses app's
templates load them; its Python code never imports enrollments)."""

from django import template

from courses import fragments
from enrollments import access, selectors
from enrollments.models import Enrollment

register = template.Library()


@register.inclusion_tag("enrollments/_enrol_panel.html", takes_context=True)
def enrol_panel(context, course):
    request = context["request"]
    enrollment = selectors.enrollment_for(request.user, course.pk)
    progress = None
    if enrollment and enrollment.status in Enrollment.SEATED:
        progress = selectors.progress_for(enrollment)
    return {
        "request": request,
        "user": request.user,
        "course": course,
        "enrollment": enrollment,
        "progress": progress,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def syllabus(context, course):
    """The course page's syllabus: its lessons are links for those who may read them all
    (enrollments.access), previews for everyone."""
    read_all = access.can_read_all_lessons(context["request"].user, course)
    return fragments.syllabus(course.pk, course.slug, read_all=read_all)
