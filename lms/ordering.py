"""Reordering siblings (modules of a course, lessons of a module, questions of a quiz,
choices of a question): one rule for every authoring door."""

from __future__ import annotations

from collections.abc import Sequence

from simple_history.utils import bulk_update_with_history

from lms.exceptions import ApplicationError


def check_order(order: Sequence[int], ids: Sequence[int], *, what: str) -> None:
    """`order` must name each of `ids` exactly once (a stale list, from a page open while
    someone else added or removed a row, is refused rather than half applied)."""
    missing = sorted(set(ids) - set(order))
    unknown = sorted(set(order) - set(ids))
    repeated = sorted({pk for pk in order if list(order).count(pk) > 1}) if len(order) != len(set(order)) else []
    if missing or unknown or repeated:
        parts = [f"missing {missing}" if missing else "", f"unknown {unknown}" if unknown else ""]
        parts.append(f"repeated {repeated}" if repeated else "")
        message = f"List each of the {what} once ({', '.join(p for p in parts if p)})."
        raise ApplicationError("Invalid input.", code="invalid", extra={"errors": {"order": [message]}})


def renumber(model, rows: Sequence, order: Sequence[int], *, what: str) -> list:
    """Positions 1..n in `order`'s order. Only the rows whose position changes are written,
    in one statement, each with its history row (who moved it). Returns those rows. The
    caller holds the parent's row lock, so two reorders never interleave."""
    check_order(order, [row.pk for row in rows], what=what)
    by_id = {row.pk: row for row in rows}
    changed = []
    for position, pk in enumerate(order, start=1):
        row = by_id[pk]
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        bulk_update_with_history(changed, model, ["position"], batch_size=500)
    return changed
