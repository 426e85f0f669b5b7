from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "LMS platform"

    def ready(self) -> None:
        # Register the business and task metrics at start-up, so /metrics lists them
        # (at zero) before the first event.
        from lms import metrics  # noqa: F401
