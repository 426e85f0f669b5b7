"""Account tasks, inline and through a real Celery worker on Redis."""

import pytest
from django.core import mail
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import services, tasks
from accounts.models import User
from accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_tasks_run_inline_when_forced(settings):
    assert settings.TASKS_FORCE_INLINE
    user = UserFactory()
    result = tasks.welcome_email_send.delay(user.pk)
    assert result.get() is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_flush_task_returns_how_many_tokens_it_removed():
    user = UserFactory()
    services.tokens_issue(user=user)
    OutstandingToken.objects.filter(user=user).update(expires_at="2000-01-01T00:00:00Z")
    assert tasks.tokens_flush_expired.delay().get() == 1


@pytest.mark.celery_worker
def test_welcome_email_task_runs_once_on_a_real_worker_even_when_delivered_twice(celery_worker):
    user = UserFactory()
    celery_worker.send_task("accounts.send_welcome_email", args=[user.pk])
    celery_worker.send_task("accounts.send_welcome_email", args=[user.pk])

    def sent():
        return User.objects.get(pk=user.pk).welcome_email_sent_at is not None

    celery_worker.wait_for(sent)
    celery_worker.wait_for(lambda: celery_worker.finished("accounts.send_welcome_email") >= 2)
    log = celery_worker.log()
    # The console email backend prints each email the worker sends: exactly one.
    assert log.count("Subject: Welcome to Learning Hub") == 1, log
    assert "succeeded" in log and "True" in log and "False" in log
