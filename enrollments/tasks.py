"""Enrollment tasks: thin wrappers over enrollments.services, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from enrollments import services

_RETRY = {
    "acks_late": True,
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
    "soft_time_limit": 30,
}


@shared_task(name="enrollments.send_confirmation", **_RETRY)
def enrollment_confirmation_send(enrollment_id: int) -> bool:
    return services.enrollment_confirmation_send(enrollment_id=enrollment_id)


@shared_task(name="enrollments.send_reminders", acks_late=True, soft_time_limit=600, time_limit=660)
def reminders_send() -> int:
    return services.reminders_send()
