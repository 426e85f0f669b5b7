"""What the learner pages show to whoever may edit what they look at: a banner saying they
see it as a learner will (and whether learners can see it yet), with the way to edit it in
the admin. Nothing, and no query, for learners."""

from django import template
from django.urls import reverse

from courses import access

register = template.Library()

# What the banner can edit: the admin page of a course, a lesson or a quiz.
_ADMIN_PAGES = {"course": "admin:courses_course_change", "lesson": "admin:courses_lesson_change",
                "quiz": "admin:quizzes_quiz_change", "assignment": "admin:assignments_assignment_change"}  # fmt: skip


@register.inclusion_tag("courses/_edit_banner.html", takes_context=True)
def edit_banner(context, course, kind: str = "course", pk: int | None = None):
    user = context["request"].user
    if not access.can_use_instructor_admin(user) or not access.can_edit_course(user, course):
        return {"show": False}
    return {
        "show": True,
        "course": course,
        "kind": kind,
        "edit_url": reverse(_ADMIN_PAGES[kind], args=[pk or course.pk]),
        "is_draft": course.status != "published",
    }
