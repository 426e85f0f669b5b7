"""Handlers of the signals grades listens to: a quiz attempt graded, an assignment grade
released or changed. Each may change the learner's course grade, so its completion rule
is checked once the change is committed (in the background)."""

from django.dispatch import receiver

from assignments.signals import grade_released
from quizzes.signals import attempt_graded


@receiver(attempt_graded, dispatch_uid="grades.attempt_graded")
@receiver(grade_released, dispatch_uid="grades.grade_released")
def grade_changed(user_id: int, course_id: int, **kwargs) -> None:
    from grades import tasks

    tasks.course_grade_check.delay_on_commit(user_id, course_id)
