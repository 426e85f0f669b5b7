"""Account tasks: thin wrappers over accounts.services, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from accounts import services

_RETRY = {
    "acks_late": True,
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
    "soft_time_limit": 30,
}


@shared_task(name="accounts.send_welcome_email", **_RETRY)
def welcome_email_send(user_id: int) -> bool:
    return services.welcome_email_send(user_id=user_id)


@shared_task(name="accounts.send_password_reset_email", **_RETRY)
def password_reset_email_send(user_id: int) -> bool:
    return services.password_reset_email_send(user_id=user_id)


@shared_task(name="accounts.flush_expired_tokens", acks_late=True, soft_time_limit=300, time_limit=360)
def tokens_flush_expired() -> int:
    return services.tokens_flush_expired()
