"""Events the enrollments app emits. Listeners live in the apps that care (certificates
issues a certificate on `course_completed`), so enrollments imports none of them.

course_completed: sent once per enrollment, after the transaction that completed it has
committed. Keyword arguments: enrollment_id, user_id, course_id.
"""

from django.dispatch import Signal

course_completed = Signal()
