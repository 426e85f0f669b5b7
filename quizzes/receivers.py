"""Handlers of the signals quizzes listens to.

A quiz is part of its course's content, an item of its course's outline (which it joins
when the outline is built: outline_items_wanted). The outline is kept under the catalog
version (courses.cache), so a quiz saved or deleted bumps that version once committed; and a required quiz is one of its course's completion
requirements, declared through the quizzes service whichever door saved it (the admin,
a shell, a fixture)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.cache import bump_catalog_version
from courses.selectors import OutlineItem
from courses.signals import outline_items_wanted
from quizzes import selectors, services
from quizzes.models import Quiz


@receiver(post_save, sender=Quiz, dispatch_uid="quizzes.quiz_saved")
def quiz_saved(instance: Quiz, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.quiz_requirement_sync(quiz=instance)
    transaction.on_commit(bump_catalog_version)


@receiver(post_delete, sender=Quiz, dispatch_uid="quizzes.quiz_deleted")
def quiz_deleted(instance: Quiz, **kwargs) -> None:
    services.quiz_requirement_sync(quiz=instance, deleted=True)
    transaction.on_commit(bump_catalog_version)


@receiver(outline_items_wanted, dispatch_uid="quizzes.outline_items")
def quiz_outline_items(sender, course_ids, **kwargs) -> list[OutlineItem]:
    """The quizzes take their place in their courses' outlines."""
    return selectors.outline_items(course_ids)
