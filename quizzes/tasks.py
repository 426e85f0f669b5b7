"""Quiz tasks: the overdue sweep and regrading after a correction."""

from celery import shared_task

from quizzes import services


@shared_task(name="quizzes.close_overdue_attempts", acks_late=True, soft_time_limit=300, time_limit=360)
def attempts_close_overdue() -> int:
    return services.attempts_close_overdue()


@shared_task(
    name="quizzes.regrade",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def regrade_run(regrade_id: int) -> int:
    return services.regrade_run(regrade_id=regrade_id).attempts_changed
