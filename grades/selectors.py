"""Gradebook reads: a course's grade items, the grid of its learners' grades (a page at a
time, a fixed number of queries whatever the page holds), and a learner's own grades, with
only what is released to them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assignments.models import Assignment, Submission
from courses.models import Course
from enrollments.models import Enrollment
from grades.models import DEFAULT_SCALE, Category, FrozenCell, Gradebook, ItemSetting, ManualItem, Override
from quizzes.models import Attempt, Quiz

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Item:
    key: str  # "quiz:12", "assignment:5", "manual:3"
    kind: str
    pk: int
    title: str
    points: Decimal
    category_id: int | None = None
    extra_credit: bool = False
    locked: bool = False

    @property
    def kind_label(self) -> str:
        return {"quiz": _("Quiz"), "assignment": pgettext("an item of a course's outline", "Assignment")}.get(
            self.kind, _("Other")
        )


@dataclass(frozen=True)
class Cell:
    percent: Decimal | None
    overridden: bool = False
    reason: str = ""
    dropped: bool = False  # among its category's lowest, left out


@dataclass
class Row:
    user_id: int
    name: str
    email: str
    cells: dict[str, Cell] = field(default_factory=dict)
    categories: dict[int, Decimal | None] = field(default_factory=dict)
    percent: Decimal | None = None
    letter: str = ""


@dataclass(frozen=True)
class Grid:
    items: list[Item]
    rows: list[Row]
    count: int
    page: int
    pages: int
    categories: list[Category] = field(default_factory=list)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def settings_for(course: Course) -> Gradebook:
    """The course's gradebook rules, unsaved defaults when it has none yet."""
    return Gradebook.objects.filter(course=course).first() or Gradebook(course=course)


def categories_for(course: Course) -> list[Category]:
    return list(Category.objects.filter(course=course).order_by("id"))


def items_for(course: Course) -> list[Item]:
    """Every grade item of the course: its quizzes (points: their questions' that count),
    its assignments, its manual items, each with how it counts (category, extra credit,
    locked). Four queries."""
    quizzes = (
        Quiz.objects.filter(course=course)
        .annotate(total=Sum("questions__points", filter=Q(questions__dropped=False)))
        .order_by("id")
        .values_list("pk", "title", "total")
    )
    items = [Item(f"quiz:{pk}", "quiz", pk, title, total or Decimal(0)) for pk, title, total in quizzes]
    items += [
        Item(f"assignment:{pk}", "assignment", pk, title, points)
        for pk, title, points in Assignment.objects.filter(course=course)
        .order_by("id")
        .values_list("pk", "title", "points")
    ]
    items += [
        Item(f"manual:{pk}", "manual", pk, title, points)
        for pk, title, points in ManualItem.objects.filter(course=course)
        .order_by("id")
        .values_list("pk", "title", "points")
    ]
    settings_by_key = {
        key: (category_id, extra, locked is not None)
        for key, category_id, extra, locked in ItemSetting.objects.filter(course=course).values_list(
            "item_key", "category_id", "extra_credit", "locked_at"
        )
    }
    return [
        replace(item, **dict(zip(("category_id", "extra_credit", "locked"), settings_by_key[item.key], strict=True)))
        if item.key in settings_by_key
        else item
        for item in items
        if item.points > 0
    ]


def letter_for(percent: Decimal | None, scale: list) -> str:
    if percent is None:
        return ""
    for minimum, letter in sorted(scale or DEFAULT_SCALE, key=lambda step: -Decimal(str(step[0]))):
        if percent >= Decimal(str(minimum)):
            return str(letter)
    return ""


def _quiz_percents(course: Course, user_ids: list[int], policy: str) -> dict[tuple[int, int], Decimal]:
    rows = (
        Attempt.objects.filter(quiz__course=course, user_id__in=user_ids, status=Attempt.Status.SUBMITTED, counts=True)
        .exclude(percent__isnull=True)
        .values_list("user_id", "quiz_id", "number", "percent")
    )
    seen: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    for user_id, quiz_id, number, percent in rows:
        seen[(user_id, quiz_id)].append((number, percent))
    result = {}
    for key, attempts in seen.items():
        if policy == Gradebook.QuizPolicy.LAST:
            result[key] = max(attempts)[1]
        elif policy == Gradebook.QuizPolicy.AVERAGE:
            result[key] = _q(sum(p for _n, p in attempts) / len(attempts))
        else:
            result[key] = max(p for _n, p in attempts)
    return result


def _assignment_percents(course: Course, user_ids: list[int], *, released_only: bool) -> dict[tuple[int, int], Decimal]:
    statuses = [Submission.Status.RETURNED] if released_only else [Submission.Status.RETURNED, Submission.Status.GRADED]
    rows = Submission.objects.filter(assignment__course=course, user_id__in=user_ids, status__in=statuses).values_list(
        "user_id", "assignment_id", "number", "final_score", "assignment__points"
    )
    latest: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for user_id, assignment_id, number, final, points in rows:
        key = (user_id, assignment_id)
        if key not in latest or number > latest[key][0]:
            latest[key] = (number, _q(final * HUNDRED / points))
    return {key: percent for key, (_n, percent) in latest.items()}


def _fill(
    rows: list[Row], items: list[Item], course: Course, gradebook: Gradebook, categories: list[Category], *,
    released_only: bool,
) -> None:  # fmt: skip
    user_ids = [row.user_id for row in rows]
    quizzes = _quiz_percents(course, user_ids, gradebook.quiz_policy)
    assignments = _assignment_percents(course, user_ids, released_only=released_only)
    overrides = {(o.user_id, o.item_key): o for o in Override.objects.filter(course=course, user_id__in=user_ids)}
    locked = [item.key for item in items if item.locked]
    frozen = (
        {(f.user_id, f.item_key): f for f in FrozenCell.objects.filter(course=course, item_key__in=locked, user_id__in=user_ids)}
        if locked
        else {}
    )  # fmt: skip
    for row in rows:
        for item in items:
            row.cells[item.key] = _cell(row.user_id, item, quizzes, assignments, overrides, frozen)
        _aggregate(row, items, categories, gradebook)


def _cell(user_id: int, item: Item, quizzes, assignments, overrides, frozen) -> Cell:
    if item.locked:
        kept = frozen.get((user_id, item.key))
        return Cell(kept.percent, overridden=kept.overridden, reason=kept.reason) if kept else Cell(None)
    override = overrides.get((user_id, item.key))
    if override is not None:
        return Cell(override.percent, overridden=True, reason=override.reason)
    if item.kind == "quiz":
        return Cell(quizzes.get((user_id, item.pk)))
    if item.kind == "assignment":
        return Cell(assignments.get((user_id, item.pk)))
    return Cell(None)


def _aggregate(row: Row, items: list[Item], categories: list[Category], gradebook: Gradebook) -> None:
    """The course grade from the cells: within each category (and the items in none) the
    points earned over the points of the items graded, its lowest `drop_lowest` left out
    (one kept at least) and extra credit adding earned points only; then the categories'
    weighted mean when any has a weight (the items in no category weighing what the
    weights leave of 100), else the points of all of them together."""
    known = {c.pk: c for c in categories}
    groups: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.category_id if item.category_id in known else None].append(item)
    totals: dict[int | None, tuple[Decimal, Decimal]] = {}
    for category_id, members in groups.items():
        graded = [i for i in members if not i.extra_credit and row.cells[i.key].percent is not None]
        drop = known[category_id].drop_lowest if category_id is not None else 0
        if drop and len(graded) > 1:
            lowest = sorted(graded, key=lambda i: (row.cells[i.key].percent, i.key))[: min(drop, len(graded) - 1)]
            for item in lowest:
                cell = row.cells[item.key]
                row.cells[item.key] = Cell(cell.percent, cell.overridden, cell.reason, dropped=True)
            graded = [i for i in graded if i not in lowest]
        earned = sum((i.points * row.cells[i.key].percent / HUNDRED for i in graded), Decimal(0))
        possible = sum((i.points for i in graded), Decimal(0))
        earned += sum(
            (i.points * row.cells[i.key].percent / HUNDRED for i in members if i.extra_credit and row.cells[i.key].percent is not None),
            Decimal(0),
        )  # fmt: skip
        totals[category_id] = (earned, possible)
        if category_id is not None:
            row.categories[category_id] = _q(earned * HUNDRED / possible) if possible else None
    weights = {c.pk: c.weight for c in categories if c.weight is not None}
    if weights:
        rest = max(Decimal(0), HUNDRED - sum(weights.values(), Decimal(0)))
        parts = []
        for category_id, (earned, possible) in totals.items():
            weight = rest if category_id is None else weights.get(category_id, Decimal(0))
            if possible and weight:
                parts.append((weight, earned * HUNDRED / possible))
        share = sum((w for w, _p in parts), Decimal(0))
        row.percent = _q(sum((w * p for w, p in parts), Decimal(0)) / share) if share else None
    else:
        earned = sum((e for e, _p in totals.values()), Decimal(0))
        possible = sum((p for _e, p in totals.values()), Decimal(0))
        row.percent = _q(earned * HUNDRED / possible) if possible else None
    row.letter = letter_for(row.percent, gradebook.scale)


def grid(course: Course, *, search: str = "", page: int = 1, per_page: int = 50) -> Grid:
    """The course's learners (holding a seat) by name, a page at a time, with every item's
    grade as the teachers see it (held assignment grades included) and the course grade.
    A fixed number of queries for any page."""
    gradebook = settings_for(course)
    items = items_for(course)
    enrollments = Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).select_related("user")
    if search:
        enrollments = enrollments.filter(
            Q(user__email__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    paginator = Paginator(enrollments.order_by("user__last_name", "user__first_name", "user__email", "pk"), per_page)
    current = paginator.get_page(page)
    rows = [Row(user_id=e.user_id, name=e.user.display_name, email=e.user.email) for e in current.object_list]
    categories = categories_for(course)
    _fill(rows, items, course, gradebook, categories, released_only=False)
    return Grid(
        items=items, rows=rows, count=paginator.count, page=current.number, pages=paginator.num_pages,
        categories=categories,
    )  # fmt: skip


def learner_grades(user, course: Course) -> tuple[list[Item], Row]:
    """A learner's own grades in the course: what is released to them only (an assignment
    grade once returned), overrides included, and their course grade."""
    gradebook = settings_for(course)
    items = items_for(course)
    row = Row(user_id=user.pk, name=user.display_name, email=user.email)
    _fill([row], items, course, gradebook, categories_for(course), released_only=True)
    return items, row


def cells_now(course: Course, item: Item, user_ids: list[int]) -> dict[int, Cell]:
    """Each learner's cell of `item` as the teachers see it now (to freeze on locking)."""
    rows = [Row(user_id=pk, name="", email="") for pk in user_ids]
    _fill(rows, [replace(item, locked=False)], course, settings_for(course), [], released_only=False)
    return {row.user_id: row.cells[item.key] for row in rows}
