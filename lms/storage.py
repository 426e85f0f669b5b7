"""The `private` storage (course files, certificates), resolved lazily.

A FileField keeps whatever its `storage` callable returned when the model was imported;
handing it this lazy proxy instead means the configured backend is looked up when first
used, and again after STORAGES changes (as Django does for `default_storage`).
"""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def get_private_storage():
    return private_storage


@receiver(setting_changed)
def _reset(setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):
        private_storage._wrapped = empty
