"""Handlers of the signals courses listens to.

Any change to catalog content, by any door (admin, API, services, shell), makes every
cached catalog read stale once committed (courses.cache explains the scheme)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.signals import user_erased
from courses import cache
from courses.models import Attachment, Category, Course, Lesson, Module


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Lesson)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Attachment)
@receiver(m2m_changed, sender=Course.instructors.through)
@receiver(m2m_changed, sender=Course.prerequisites.through)
def catalog_changed(**kwargs) -> None:
    transaction.on_commit(cache.bump_catalog_version)


@receiver(user_erased, dispatch_uid="courses.on_user_erased")
def on_user_erased(sender, user_id: int, **kwargs) -> None:
    """An erased account no longer teaches: its pseudonym must not be shown as a course's
    instructor (removing it also refreshes the public catalog, through m2m_changed)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        user.taught_courses.clear()  # one DELETE for all their courses, one m2m_changed
