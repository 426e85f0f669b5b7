"""A quiz is part of its course's content: the course and lesson pages list it and
completion counts it, from values kept under the catalog version (courses.cache), so a
quiz saved or deleted bumps that version once committed."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.cache import bump_catalog_version
from quizzes.models import Quiz


@receiver([post_save, post_delete], sender=Quiz, dispatch_uid="quizzes.quiz_changed")
def quiz_changed(**kwargs) -> None:
    transaction.on_commit(bump_catalog_version)
