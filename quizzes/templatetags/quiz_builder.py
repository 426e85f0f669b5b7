"""The quizzes' part of the course builder (templates/admin/courses/builder.html): a form
that adds a quiz to a module, posted to the quiz admin (quizzes.admin.QuizAdmin)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("admin/quizzes/_quiz_add_form.html", takes_context=True)
def quiz_add_form(context, module_id: int) -> dict:
    return {
        "module_id": module_id,
        "action": reverse("admin:quizzes_quiz_quick_add"),
        "csrf_token": context.get("csrf_token"),
        "back": context["request"].get_full_path(),
    }
