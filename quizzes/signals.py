"""Events the quizzes app emits; listeners live in the apps that care (grades checks the
course grade's completion rule), so quizzes imports none of them.

attempt_graded: an attempt was graded (submitted, or regraded). Keyword arguments:
user_id, course_id.
"""

from django.dispatch import Signal

attempt_graded = Signal()
