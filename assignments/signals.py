"""Events the assignments app emits; listeners live in the apps that care (grades checks
the course grade's completion rule), so assignments imports none of them.

grade_released: a grade a learner sees was released or changed. Keyword arguments:
user_id, course_id.
"""

from django.dispatch import Signal

grade_released = Signal()
