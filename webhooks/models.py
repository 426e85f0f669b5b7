import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.events import SUBSCRIBABLE
from lms.models import OutboxEvent, TimeStampedModel


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(TimeStampedModel):
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_('Event types, e.g. ["enrollment.created"].'))
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from webhooks.security import UnsafeTarget, check_target

        unknown = [e for e in (self.events or []) if e not in SUBSCRIBABLE]
        if not isinstance(self.events, list) or not self.events or unknown:
            raise ValidationError({"events": _("List one or more of: %(known)s.") % {"known": ", ".join(SUBSCRIBABLE)}})
        try:
            check_target(self.url)
        except UnsafeTarget as exc:
            raise ValidationError({"url": str(exc)}) from exc


class WebhookDelivery(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once_per_subscription")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event.event_type} → {self.subscription.url}"
