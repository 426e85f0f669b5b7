"""Gradebook reads: a course's grade items, the grid of its learners' grades (a page at a
time, a fixed number of queries whatever the page holds), and a learner's own grades, with
only what is released to them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assignments.models import Assignment, Submission
from courses.models import Course
from enrollments.models import Enrollment
from grades.models import DEFAULT_SCALE, Gradebook, ManualItem, Override
from quizzes.models import Attempt, Quiz

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Item:
    key: str  # "quiz:12", "assignment:5", "manual:3"
    kind: str
    pk: int
    title: str
    points: Decimal

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


@dataclass
class Row:
    user_id: int
    name: str
    email: str
    cells: dict[str, Cell] = field(default_factory=dict)
    percent: Decimal | None = None
    letter: str = ""


@dataclass(frozen=True)
class Grid:
    items: list[Item]
    rows: list[Row]
    count: int
    page: int
    pages: int


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def settings_for(course: Course) -> Gradebook:
    """The course's gradebook rules, unsaved defaults when it has none yet."""
    return Gradebook.objects.filter(course=course).first() or Gradebook(course=course)


def items_for(course: Course) -> list[Item]:
    """Every grade item of the course: its quizzes (points: their questions' that count),
    its assignments, its manual items. Three queries."""
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
    return [item for item in items if item.points > 0]


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


def _fill(rows: list[Row], items: list[Item], course: Course, gradebook: Gradebook, *, released_only: bool) -> None:
    user_ids = [row.user_id for row in rows]
    quizzes = _quiz_percents(course, user_ids, gradebook.quiz_policy)
    assignments = _assignment_percents(course, user_ids, released_only=released_only)
    overrides = {(o.user_id, o.item_key): o for o in Override.objects.filter(course=course, user_id__in=user_ids)}
    for row in rows:
        earned = possible = Decimal(0)
        for item in items:
            override = overrides.get((row.user_id, item.key))
            if override is not None:
                cell = Cell(override.percent, overridden=True, reason=override.reason)
            elif item.kind == "quiz":
                cell = Cell(quizzes.get((row.user_id, item.pk)))
            elif item.kind == "assignment":
                cell = Cell(assignments.get((row.user_id, item.pk)))
            else:
                cell = Cell(None)
            row.cells[item.key] = cell
            if cell.percent is not None:
                earned += item.points * cell.percent / HUNDRED
                possible += item.points
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
    _fill(rows, items, course, gradebook, released_only=False)
    return Grid(items=items, rows=rows, count=paginator.count, page=current.number, pages=paginator.num_pages)


def learner_grades(user, course: Course) -> tuple[list[Item], Row]:
    """A learner's own grades in the course: what is released to them only (an assignment
    grade once returned), overrides included, and their course grade."""
    gradebook = settings_for(course)
    items = items_for(course)
    row = Row(user_id=user.pk, name=user.display_name, email=user.email)
    _fill([row], items, course, gradebook, released_only=True)
    return items, row
