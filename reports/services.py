"""Exports: requested by instructors and staff, built by a worker into the private
storage, downloaded only by the person who asked. The API, the admin and the tasks call
these functions."""

from __future__ import annotations

import csv
import io
import logging
import secrets
import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts import services as account_services
from courses import access
from courses.models import Course
from lms.exceptions import ConflictError, PermissionDeniedError
from reports import selectors
from reports.models import Export

logger = logging.getLogger(__name__)

# Exports hold personal data: they are deleted (row and file) after this long.
RETENTION = timedelta(days=7)
# A pending export whose task was lost (broker down, a crash) is enqueued again by the
# sweep after this long; one that failed this many times is given up as failed.
STALE_AFTER = timedelta(minutes=5)
MAX_BUILDS = 5


def can_export(user) -> bool:
    """Exports are part of the instructor workspace."""
    return access.can_use_instructor_admin(user)


@transaction.atomic
def export_request(
    *, user, kind: str, course: Course | None = None, format: str = Export.Format.CSV
) -> tuple[Export, bool]:
    """Ask for an export (CSV or XLSX); returns (export, created). The same export still
    pending for the same person is returned instead of a second one, so a retried request
    builds once."""
    if not can_export(user):
        raise PermissionDeniedError("Only instructors and staff can export course data.")
    if course is not None and not access.can_edit_course(user, course):
        raise PermissionDeniedError("Only this course's instructors can export its data.")
    pending = Export.objects.filter(
        requested_by=user, kind=kind, format=format, course=course, status=Export.Status.PENDING
    )
    if (found := pending.first()) is not None:
        return found, False
    try:
        with transaction.atomic():
            export = Export.objects.create(requested_by=user, kind=kind, format=format, course=course)
    except IntegrityError:  # the same request at the same moment (two tabs): one pending export
        return pending.get(), False
    from reports import tasks

    tasks.export_build.delay_on_commit(export.pk)
    logger.info("export_requested", extra={"export_id": export.pk, "kind": kind})
    return export, True


def export_build(*, export_id: int) -> Export | None:
    """Write the CSV of a pending export and mark it ready, once: the row is locked for
    the build (a second worker skips it) and a ready export is left alone. Returns the
    export, or None when another worker holds it."""
    # Count the attempt in its own transaction, so a build that crashes still counts.
    Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(builds=F("builds") + 1)
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("requested_by", "course")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status != Export.Status.PENDING:
            return export
        name, rows = _write_csv(export)
        try:
            export.file.name = name
            export.row_count = rows
            export.status = Export.Status.READY
            export.finished_at = timezone.now()
            export.save(update_fields=["file", "row_count", "status", "finished_at", "updated_at"])
        except Exception:
            export.file.storage.delete(name)  # no file without a row pointing at it
            raise
        transaction.on_commit(lambda: _notify_ready(export))
    logger.info("export_ready", extra={"export_id": export.pk, "rows": rows})
    return export


def _write_csv(export: Export) -> tuple[str, int]:
    """Stream the rows into a temporary file (CSV, or XLSX written row by row in constant
    memory), then store it under an unguessable name."""
    courses = selectors.exportable_courses(export.requested_by)
    if export.course_id is not None:
        courses = courses.filter(pk=export.course_id)
    rows = selectors.export_rows(export, courses.values("pk"))
    with tempfile.TemporaryFile() as raw:
        if export.format == Export.Format.XLSX:
            count = _xlsx(raw, selectors.HEADERS[export.kind], rows)
        else:
            count = _csv(raw, selectors.HEADERS[export.kind], rows)
        raw.seek(0)
        name = export.file.storage.save(f"exports/{export.pk}-{secrets.token_hex(12)}.{export.format}", File(raw))
    return name, count


def _csv(raw, headers: list[str], rows) -> int:
    count = 0
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count


def _xlsx(raw, headers: list[str], rows) -> int:
    import xlsxwriter

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        # constant_memory: each row is flushed to disk as written; strings stay strings
        # (no formula, no URL, no number guessed from a learner's text).
        book = xlsxwriter.Workbook(
            target.name,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = book.add_worksheet("export")
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, headers, bold)
        count = 0
        for count, row in enumerate(rows, start=1):
            sheet.write_row(count, 0, [_cell(value) for value in row])
        book.close()
        with open(target.name, "rb") as written:
            shutil.copyfileobj(written, raw)
    return count


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _notify_ready(export: Export) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("reports:download", kwargs={"export_id": export.pk})
    try:
        with account_services.in_language_of(export.requested_by):
            send_mail(
                subject=gettext("Your export is ready: %(file)s") % {"file": export.filename},
                message=(
                    f"Your export ({export}, {export.row_count} rows) is ready:\n\n{link}\n\n"
                    f"Sign in to download it. It is deleted after {RETENTION.days} days."
                ),
                from_email=None,
                recipient_list=[export.requested_by.email],
            )
    except Exception:  # the export is ready either way; the link is in the admin and the API
        logger.warning("export_ready_mail_failed", extra={"export_id": export.pk}, exc_info=True)


def export_fail(*, export_id: int, error: str) -> None:
    Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        status=Export.Status.FAILED, error=error[:300], finished_at=timezone.now()
    )
    logger.error("export_failed", extra={"export_id": export_id, "error": error[:300]})


def export_ready_file(*, export: Export):
    """The file of a ready export; ConflictError while it is being built."""
    if export.status != Export.Status.READY:
        raise ConflictError(
            "The export is not ready." if export.status == Export.Status.PENDING else "The export failed.",
            code=f"export_{export.status}",
        )
    return export.file


def export_delete(*, export: Export) -> None:
    with transaction.atomic():
        name = export.file.name
        export.delete()
        if name:
            transaction.on_commit(lambda: export.file.storage.delete(name))


def exports_sweep(*, now=None) -> dict[str, int]:
    """Housekeeping, safe to run twice at once: delete expired exports with their files,
    give up on exports that failed MAX_BUILDS times, enqueue again those whose task was
    lost."""
    from reports import tasks

    now = now or timezone.now()
    expired = 0
    for export in Export.objects.filter(created_at__lt=now - RETENTION):
        export_delete(export=export)
        expired += 1
    stale = Export.objects.filter(status=Export.Status.PENDING, created_at__lt=now - STALE_AFTER)
    failed = 0
    for pk in stale.filter(builds__gte=MAX_BUILDS).values_list("pk", flat=True):
        export_fail(export_id=pk, error=f"Gave up after {MAX_BUILDS} attempts; see the worker logs.")
        failed += 1
    requeued = 0
    for pk in stale.filter(builds__lt=MAX_BUILDS).values_list("pk", flat=True):
        tasks.export_build.delay(pk)
        requeued += 1
    return {"expired": expired, "failed": failed, "requeued": requeued}
