"""Business and task metrics, exported at /metrics next to django-prometheus's own.

The counters are defined here once; the domain apps increment them from their services.
Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes prometheus_client write each worker's
values to files that /metrics aggregates (see deploy/gunicorn.conf.py).
"""

from prometheus_client import Counter, Histogram

USER_REGISTRATIONS = Counter("lms_user_registrations", "Users who signed up.")
COURSE_ENROLLMENTS = Counter("lms_course_enrollments", "Enrollments created (or re-activated).")
COURSE_COMPLETIONS = Counter("lms_course_completions", "Enrollments that reached completion.")
QUIZ_SUBMISSIONS = Counter("lms_quiz_submissions", "Quiz attempts submitted and graded.", ["passed"])
CERTIFICATES_ISSUED = Counter("lms_certificates_issued", "Certificates issued.")
ASSIGNMENT_SUBMISSIONS = Counter("lms_assignment_submissions", "Assignment work handed in, late or not.", ["late"])
GRADES_RELEASED = Counter("lms_grades_released", "Assignment grades shown to their learners.")

TASKS = Counter("lms_tasks", "Celery tasks finished, by task name and final state.", ["task", "state"])
TASK_DURATION = Histogram(
    "lms_task_duration_seconds",
    "Time spent running a Celery task, by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)

# The states a finished task reports (task_postrun), each a series from the start.
TASK_STATES = ("SUCCESS", "FAILURE", "RETRY")


def initialise(task_names) -> None:
    """Give every labelled counter its known label values at zero, so that a `rate()` or
    `absent()` alert sees a series on a fresh deployment, before the first event."""
    for passed in ("true", "false"):
        QUIZ_SUBMISSIONS.labels(passed=passed)
    for late in ("true", "false"):
        ASSIGNMENT_SUBMISSIONS.labels(late=late)
    for name in task_names:
        TASK_DURATION.labels(task=name)
        for state in TASK_STATES:
            TASKS.labels(task=name, state=state)
