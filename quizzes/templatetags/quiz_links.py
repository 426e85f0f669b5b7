"""Links to quizzes from lesson and course pages (the other apps' templates load this;
their Python code never imports quizzes)."""

from django import template

from quizzes.models import Quiz

register = template.Library()


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_lesson(lesson):
    return {"quizzes": list(Quiz.objects.filter(lesson=lesson).only("id", "title", "is_required").order_by("id"))}


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_course(course):
    return {"quizzes": list(Quiz.objects.filter(course=course).only("id", "title", "is_required").order_by("id"))}
