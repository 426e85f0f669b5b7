"""Links to quizzes from lesson and course pages (the other apps' templates load this;
their Python code never imports quizzes)."""

from django import template

from quizzes.models import requirement_key
from quizzes.selectors import course_quizzes

register = template.Library()


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_lesson(lesson):
    return {"quizzes": [q for q in course_quizzes([lesson.course_id])[lesson.course_id] if q.lesson_id == lesson.pk]}


@register.inclusion_tag("quizzes/_links.html")
def quizzes_for_course(course):
    return {"quizzes": list(course_quizzes([course.pk])[course.pk])}


@register.inclusion_tag("quizzes/_next_step.html")
def next_step(progress, course):
    """The learner's next step in the course, of any kind: the next lesson not done, or,
    once the lessons are done, the first required quiz not passed yet; and how many steps
    are left. Nothing when the course is complete."""
    quiz = None
    if progress is not None and not progress.next_lesson_id and progress.requirements_left:
        quiz = next(
            (q for q in course_quizzes([course.pk])[course.pk] if requirement_key(q.pk) in progress.requirements_left),
            None,
        )
    return {"progress": progress, "course": course, "quiz": quiz}
