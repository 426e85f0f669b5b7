"""Assignment tasks: thin wrappers over assignments.services, safe to run twice."""

from celery import shared_task

from assignments import services


@shared_task(name="assignments.send_due_reminders", acks_late=True, soft_time_limit=600, time_limit=660)
def due_reminders_send() -> int:
    return services.due_reminders_send()


@shared_task(name="assignments.close_drafts", acks_late=True, soft_time_limit=600, time_limit=660)
def drafts_close() -> int:
    return services.drafts_close()
