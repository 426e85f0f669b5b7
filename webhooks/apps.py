from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Relay new outbox events as soon as their transaction commits; the periodic
        # relay (beat) picks up anything this misses (broker down, a crash).
        from lms.events import on_emitted
        from webhooks.tasks import outbox_relay_enqueue

        on_emitted(outbox_relay_enqueue)
