"""Template tags that add the learner's state to course pages (the courses app's
templates load them; its Python code never imports enrollments)."""

from django import template

from enrollments import selectors

register = template.Library()


@register.inclusion_tag("enrollments/_enrol_panel.html", takes_context=True)
def enrol_panel(context, course):
    request = context["request"]
    enrollment = selectors.enrollment_for(request.user, course.pk)
    # The course page already holds the outline in order: do not load it a second time.
    lessons = getattr(course, "outline_lessons", None)
    progress = (
        selectors.progress_for(enrollment, lessons=lessons) if enrollment and enrollment.status != "dropped" else None
    )
    return {
        "request": request,
        "user": request.user,
        "course": course,
        "enrollment": enrollment,
        "progress": progress,
        "csrf_token": context.get("csrf_token"),
    }
