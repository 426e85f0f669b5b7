from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every domain model."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change that caused it:
    no event is lost when the broker or a worker is down, and none exists for a change
    that rolled back. The webhooks app relays pending events to subscribers."""

    id = models.UUIDField(primary_key=True, editable=False)
    event_type = models.CharField(max_length=64, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    occurred_at = models.DateTimeField(db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["dispatched_at", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class IdempotencyRecord(models.Model):
    """The first response to a creating POST sent with an `Idempotency-Key` header, kept
    for 24 hours so a retried request gets the same answer and creates nothing twice."""

    user_key = models.CharField(max_length=64)  # "user:<id>" or "anon:<ip>"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_key", "key"], name="idempotency_key_once_per_client")]

    def __str__(self) -> str:
        return f"{self.user_key} {self.key}"
