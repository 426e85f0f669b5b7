"""Gradebook rules: the course's settings, and the cells set by hand (with a reason, who and
when, every version kept)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from assignments.models import Assignment
from courses.models import Course
from enrollments import selectors as enrollment_selectors
from enrollments import services as enrollment_services
from enrollments.models import Enrollment
from grades import selectors
from grades.models import Category, FrozenCell, Gradebook, ItemSetting, ManualItem, Override, course_grade_key
from lms.exceptions import ApplicationError, ConflictError
from quizzes.models import Quiz

_ITEM_MODELS = {"quiz": Quiz, "assignment": Assignment, "manual": ManualItem}


def _invalid(errors: dict) -> ApplicationError:
    return ApplicationError("Invalid input.", code="invalid", extra={"errors": errors})


def item_exists(course: Course, item_key: str) -> bool:
    kind, _sep, pk = (item_key or "").partition(":")
    model = _ITEM_MODELS.get(kind)
    return bool(model and pk.isdigit() and model.objects.filter(course=course, pk=int(pk)).exists())


@transaction.atomic
def override_set(*, course: Course, user, item_key: str, percent: Decimal | None, reason: str, by) -> Override | None:
    """Set one cell by hand (percent 0-100, with a reason), or clear it (`percent` None),
    for a learner of the course and one of its items."""
    if not item_exists(course, item_key):
        raise _invalid({"item": [_("No such grade item in this course.")]})
    if enrollment_selectors.seated_enrollment_for(user, course_id=course.pk) is None:
        raise _invalid({"user": [_("Only a learner of this course has grades in it.")]})
    if ItemSetting.objects.filter(course=course, item_key=item_key, locked_at__isnull=False).exists():
        raise ConflictError("This grade item is locked: unlock it to change its grades.", code="item_locked")
    if percent is None:
        Override.objects.filter(course=course, user=user, item_key=item_key).delete()
        _check_later(user.pk, course.pk)
        return None
    if not (Decimal(0) <= percent <= Decimal(100)):
        raise _invalid({"percent": [_("Give a percent from 0 to 100.")]})
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise _invalid({"reason": [_("Say why the grade is set by hand.")]})
    override, _created = Override.objects.update_or_create(
        course=course, user=user, item_key=item_key, defaults={"percent": percent, "reason": reason[:300], "by": by}
    )
    _check_later(user.pk, course.pk)
    return override


def _check_later(user_id: int, course_id: int) -> None:
    """The learner's course grade may have changed: its completion rule is checked once
    this is committed (grades.tasks.course_grade_check; a no-op without a rule)."""
    from grades import tasks

    tasks.course_grade_check.delay_on_commit(user_id, course_id)


@transaction.atomic
def gradebook_update(*, course: Course, data: dict) -> Gradebook:
    """The course's rules: the quiz policy, the letter scale, the course grade needed to
    complete (a course requirement while set: every learner is checked again in the
    background), and whether the certificate shows the grade."""
    gradebook, _created = Gradebook.objects.get_or_create(course=course)
    if "pass_percent" in data:
        value = data["pass_percent"]
        if value is not None and not (Decimal(0) <= Decimal(value) <= Decimal(100)):
            raise _invalid({"pass_percent": [_("Give a percent from 0 to 100.")]})
        gradebook.pass_percent = value
    if "show_on_certificate" in data:
        gradebook.show_on_certificate = bool(data["show_on_certificate"])
    if "quiz_policy" in data:
        if data["quiz_policy"] not in Gradebook.QuizPolicy.values:
            raise _invalid({"quiz_policy": [_("Unknown policy.")]})
        gradebook.quiz_policy = data["quiz_policy"]
    if "scale" in data:
        scale = data["scale"]
        ok = isinstance(scale, list) and scale and all(
            isinstance(s, list | tuple) and len(s) == 2 and isinstance(s[0], int | float) and 0 <= s[0] <= 100
            and isinstance(s[1], str) and s[1].strip()
            for s in scale
        )  # fmt: skip
        if not ok:
            raise _invalid({"scale": [_('A list of [lowest percent, letter], e.g. [[90, "A"], [0, "F"]].')]})
        gradebook.scale = [[s[0], s[1].strip()[:8]] for s in scale]
    gradebook.save()
    enrollment_services.requirement_set(
        course_id=course.pk, key=course_grade_key(course.pk), required=gradebook.pass_percent is not None
    )
    if gradebook.pass_percent is not None:
        from grades import tasks

        tasks.course_grades_check.delay_on_commit(course.pk)
    return gradebook


def course_grade_check(*, user, course: Course) -> bool | None:
    """Whether `user` meets the course's course-grade rule now, from what is released to
    them (None: the course has no such rule), reported to enrollments: met, or no longer
    met (a completed course stays completed)."""
    gradebook = Gradebook.objects.filter(course=course).first()
    if gradebook is None or gradebook.pass_percent is None:
        return None
    _items, row = selectors.learner_grades(user, course)
    met = row.percent is not None and row.percent >= gradebook.pass_percent
    if met:
        enrollment_services.requirement_complete(user=user, course_id=course.pk, key=course_grade_key(course.pk))
    else:
        enrollment_services.requirement_withdraw(user=user, course_id=course.pk, key=course_grade_key(course.pk))
    return met


def course_grades_check(*, course: Course) -> int:
    """course_grade_check for every learner of the course, one run at a time per course
    (the gradebook's row is held for the run; a second run waits, then checks again).
    Idempotent. Returns how many learners meet the rule."""
    with transaction.atomic():
        gradebook = Gradebook.objects.select_for_update().filter(course=course).first()
        if gradebook is None or gradebook.pass_percent is None:
            return 0
        met = 0
        learners = Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).select_related("user")
        for enrollment in learners.iterator(chunk_size=500):
            met += bool(course_grade_check(user=enrollment.user, course=course))
        return met


def weights_problem(weights: list[Decimal | None]) -> str:
    """Why these category weights cannot make a course grade (empty when they can): each
    0-100 and 100 at most together."""
    given = [w for w in weights if w is not None]
    if any(w < 0 or w > 100 for w in given):
        return _("Each weight is a percent from 0 to 100.")
    if sum(given, Decimal(0)) > 100:
        return _("The weights add up to more than 100%.")
    return ""


@transaction.atomic
def item_setting_set(
    *, course: Course, item_key: str, category: Category | None, extra_credit: bool, locked: bool, by, now=None
) -> ItemSetting:
    """How one grade item counts: its category (of this course), extra credit, and its
    lock. Locking freezes every learner's cell as it is now (a regrade, a new attempt or
    an override later changes nothing); unlocking lets the cells follow the grades again."""
    from django.utils import timezone

    if not item_exists(course, item_key):
        raise _invalid({"item": [_("No such grade item in this course.")]})
    if category is not None and category.course_id != course.pk:
        raise _invalid({"category": [_("Pick a category of this course.")]})
    setting, _created = ItemSetting.objects.select_for_update().get_or_create(course=course, item_key=item_key)
    setting.category, setting.extra_credit = category, bool(extra_credit)
    if locked and setting.locked_at is None:
        FrozenCell.objects.filter(course=course, item_key=item_key).delete()
        item = next((i for i in selectors.items_for(course) if i.key == item_key), None)
        if item is not None:  # an item of no points has no cells
            learners = list(
                Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).values_list("user_id", flat=True)
            )
            FrozenCell.objects.bulk_create(
                FrozenCell(course=course, user_id=user_id, item_key=item_key, percent=cell.percent,
                           overridden=cell.overridden, reason=cell.reason[:300])
                for user_id, cell in selectors.cells_now(course, item, learners).items()
                if cell.percent is not None
            )  # fmt: skip
        setting.locked_at, setting.locked_by = now or timezone.now(), by
    elif not locked and setting.locked_at is not None:
        FrozenCell.objects.filter(course=course, item_key=item_key).delete()
        setting.locked_at, setting.locked_by = None, None
    setting.save()
    return setting
