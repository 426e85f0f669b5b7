"""Links to quizzes from lesson and course pages (the other apps' templates load this;
their Python code never imports quizzes)."""

from django import template

from quizzes.selectors import course_quizzes

register = template.Library()


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_lesson(lesson):
    return {"quizzes": [q for q in course_quizzes([lesson.course_id])[lesson.course_id] if q.lesson_id == lesson.pk]}


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_course(course):
    return {"quizzes": list(course_quizzes([course.pk])[course.pk])}
