"""`manage.py seed_demo`: fill an empty site with a believable demo, idempotently.

Each domain app contributes through an optional `<app>/demo.py` with a
`seed(*, stdout) -> None` function; they run in INSTALLED_APPS order (accounts first,
so the people exist before their courses). Running the command twice changes nothing.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo users and content (idempotent). Refused in production without --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow running with ENVIRONMENT=production.")

    def handle(self, *args, force: bool = False, **options):
        if settings.IS_PRODUCTION and not force:
            raise CommandError("seed_demo creates accounts with published passwords; refused in production.")
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
