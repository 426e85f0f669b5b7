from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "LMS platform"

    def ready(self) -> None:
        # Register the business and task metrics at start-up, so /metrics lists them
        # (at zero, with every known label value) before the first event.
        import importlib
        import importlib.util

        from django.apps import apps

        from lms import metrics
        from lms.celery import app

        for config in apps.get_app_configs():  # every app's tasks.py, so every task name is known
            if importlib.util.find_spec(f"{config.name}.tasks") is not None:
                importlib.import_module(f"{config.name}.tasks")
        metrics.initialise(name for name in app.tasks if not name.startswith("celery."))
