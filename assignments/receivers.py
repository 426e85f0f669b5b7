"""Handlers of the signals assignments listens to: an assignment is an item of its
course's outline (outline_items_wanted), kept under the catalog version, which a save or
a delete bumps once committed; a required one is a completion requirement, declared
through the service whichever door saved it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assignments import selectors, services
from assignments.models import Assignment
from courses.cache import bump_catalog_version
from courses.selectors import OutlineItem
from courses.signals import outline_items_wanted


@receiver(post_save, sender=Assignment, dispatch_uid="assignments.saved")
def assignment_saved(instance: Assignment, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.assignment_requirement_sync(assignment=instance)
    transaction.on_commit(bump_catalog_version)


@receiver(post_delete, sender=Assignment, dispatch_uid="assignments.deleted")
def assignment_deleted(instance: Assignment, **kwargs) -> None:
    services.assignment_requirement_sync(assignment=instance, deleted=True)
    transaction.on_commit(bump_catalog_version)


@receiver(outline_items_wanted, dispatch_uid="assignments.outline_items")
def assignment_outline_items(sender, course_ids, **kwargs) -> list[OutlineItem]:
    return selectors.outline_items(course_ids)
