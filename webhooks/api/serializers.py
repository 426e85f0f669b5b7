from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from lms.events import SUBSCRIBABLE
from webhooks.models import WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=sorted(SUBSCRIBABLE)), allow_empty=False)
    secret = serializers.CharField(read_only=True, help_text="Shown so the receiver can verify signatures.")

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "description", "secret", "created_at"]
        read_only_fields = ["id", "secret", "created_at"]

    def validate(self, attrs):
        instance = WebhookSubscription(**{**({} if self.instance is None else {"pk": self.instance.pk}), **attrs})
        if self.instance is not None:
            for field in ("url", "events"):
                attrs.setdefault(field, getattr(self.instance, field))
                setattr(instance, field, attrs[field])
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event_type", "status", "attempts", "next_attempt_at", "last_status_code",
            "last_error", "last_latency_ms", "delivered_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
