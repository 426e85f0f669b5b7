"""Template tags that add the learner's state to course pages (the courses app's
templates load them; its Python code never imports enrollments)."""

from django import template

from enrollments import selectors
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
