"""Certificates: issued once, a real PDF with the right text and QR code, revocation."""

import io
import threading

import pypdf
import pytest
import zxingcpp
from django.core import mail
from django.db import connection
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import AdminFactory, UserFactory
from certificates import services
from certificates.models import CODE_ALPHABET, Certificate, normalise_code
from certificates.pdf import CertificateRenderError, uncovered_characters
from certificates.tests.conftest import completed_enrollment
from enrollments.models import Enrollment
from enrollments.signals import course_completed
from lms import metrics
from lms.exceptions import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def _pdf_text(certificate) -> str:
    with certificate.pdf.open("rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    return reader.pages[0].extract_text()


def test_completion_issues_renders_and_emails_once(django_capture_on_commit_callbacks):
    before = metrics.CERTIFICATES_ISSUED._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = completed_enrollment()
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.is_ready
    assert certificate.learner_name == "Ada Lovelace"
    assert certificate.instructor_names == "Charles Babbage"
    assert [m.subject for m in mail.outbox if "certificate" in m.subject] == ["Your certificate for Analytical Engines"]
    assert metrics.CERTIFICATES_ISSUED._value.get() == before + 1
    # The event delivered again changes nothing.
    course_completed.send(
        sender=Enrollment, enrollment_id=enrollment.pk, user_id=enrollment.user_id, course_id=enrollment.course_id
    )
    services.certificate_process(enrollment_id=enrollment.pk)
    assert Certificate.objects.count() == 1
    assert sum("certificate" in m.subject for m in mail.outbox) == 1


def test_issuing_queues_one_delivery_by_certificate_id_and_only_for_a_new_one(
    monkeypatch, django_capture_on_commit_callbacks
):
    from certificates import tasks

    queued = []
    # The queueing is recorded instead of sent (the suite runs tasks inline); the issue,
    # its commit and the listener are real.
    monkeypatch.setattr(tasks.certificate_deliver, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = completed_enrollment()
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert queued == [certificate.pk] and not certificate.is_ready
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_issue(enrollment_id=enrollment.pk)  # already issued: nothing queued
    assert queued == [certificate.pk]


def test_a_broker_down_at_issue_leaves_the_certificate_for_the_sweep(monkeypatch, django_capture_on_commit_callbacks):
    from certificates import tasks

    def broker_down(certificate_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.certificate_deliver, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = completed_enrollment()
    certificate = Certificate.objects.get(enrollment=enrollment)  # issued all the same
    assert not certificate.is_ready
    assert services.certificates_render_pending() == 1
    certificate.refresh_from_db()
    assert certificate.is_ready and certificate.email_sent_at is not None


def test_code_is_long_random_and_typed_forgivingly(enrollment):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    assert len(certificate.code) == 16 and set(certificate.code) <= set(CODE_ALPHABET)
    typed = certificate.display_code.lower().replace("0", "o").replace("1", "l")
    assert normalise_code(typed) == certificate.code


def test_no_certificate_for_an_unfinished_enrollment(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(status="active", completed_at=None)
    with pytest.raises(ConflictError):
        services.certificate_issue(enrollment_id=enrollment.pk)


@pytest.mark.parametrize(
    ("first", "last"),
    [("Zoë", "Ångström-Çelik"), ("محمد", "عبد الله"), ("王", "小明"), ("<b>Bobby", "Tables</b> &amp; {{ x }}")],
)
def test_pdf_is_real_and_carries_name_course_and_code(first, last):
    enrollment = completed_enrollment(first_name=first, last_name=last, title="Data & <i>Society</i> — 数据")
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    certificate = services.certificate_render(certificate_id=certificate.pk)
    with certificate.pdf.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    text = _pdf_text(certificate)
    assert "Data & <i>Society</i> — 数据" in text  # printed literally, never interpreted
    assert certificate.display_code in text
    assert certificate.verification_url in text
    if first == "محمد":
        # Arabic is shaped and laid out right to left; the extracted words are there.
        assert "محمد" in text or "دمحم" in text
    else:
        assert f"{first} {last}" in text


def test_qr_code_decodes_to_the_verification_url(enrollment):
    certificate = services.certificate_render(
        certificate_id=services.certificate_issue(enrollment_id=enrollment.pk)[0].pk
    )
    with certificate.pdf.open("rb") as fh:
        page = pypdf.PdfReader(io.BytesIO(fh.read())).pages[0]
    images = [Image.open(io.BytesIO(image.data)) for image in page.images]
    decoded = [r.text for img in images for r in zxingcpp.read_barcodes(img.convert("L"))]
    assert decoded == [certificate.verification_url]


def test_a_name_no_font_can_show_is_an_error_not_a_blank_box():
    assert uncovered_characters("Ada 王 محمد") == []
    enrollment = completed_enrollment(first_name="𓀀 Hieroglyph")
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    with pytest.raises(CertificateRenderError):
        services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert not certificate.pdf and "U+13000" in certificate.render_error
    assert services.certificates_render_pending() == 0  # not retried forever


def test_rerender_keeps_the_code_and_replaces_the_file(enrollment, django_capture_on_commit_callbacks):
    certificate = services.certificate_render(
        certificate_id=services.certificate_issue(enrollment_id=enrollment.pk)[0].pk
    )
    first_file = certificate.pdf.name
    storage = certificate.pdf.storage
    with django_capture_on_commit_callbacks(execute=True):
        again = services.certificate_render(certificate_id=certificate.pk, force=True)
    assert again.code == certificate.code
    assert again.pdf.name != first_file
    # The replaced file printed the learner's name too: it does not outlive the change.
    assert storage.exists(again.pdf.name) and not storage.exists(first_file)


def test_the_orphan_sweep_deletes_only_old_pdfs_no_certificate_points_at(enrollment):
    from datetime import timedelta

    from django.core.files.base import ContentFile

    certificate = services.certificate_render(
        certificate_id=services.certificate_issue(enrollment_id=enrollment.pk)[0].pk
    )
    storage = certificate.pdf.storage
    # What a render killed after storing its file and before recording it leaves behind.
    orphan = storage.save(f"certificates/{certificate.code}-deadbeef.pdf", ContentFile(b"%PDF-1.4 orphan"))
    assert services.pdfs_sweep_orphans() == 0  # too recent: it may be a render in flight
    assert storage.exists(orphan)
    later = timezone.now() + services.ORPHAN_GRACE + timedelta(minutes=1)
    assert services.pdfs_sweep_orphans(now=later) == 1
    assert not storage.exists(orphan)
    assert storage.exists(certificate.pdf.name)  # the certificate's own file stays
    assert services.pdfs_sweep_orphans(now=later) == 0  # safe to run twice


def test_sweep_renders_certificates_whose_task_was_lost(enrollment):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    assert not certificate.is_ready
    assert services.certificates_render_pending() == 1
    certificate.refresh_from_db()
    assert certificate.is_ready and certificate.email_sent_at is not None
    assert services.certificates_render_pending() == 0


def test_storage_failure_leaves_no_row_pointing_at_a_missing_file(enrollment, settings, tmp_path):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("storage is broken")
    broken = {"location": not_a_directory / "private", "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "private": {**settings.STORAGES["private"], "OPTIONS": broken}}
    with pytest.raises(OSError):
        services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert not certificate.pdf and certificate.rendered_at is None


def test_revocation_needs_a_reason_and_is_kept(enrollment):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    admin = AdminFactory()
    with pytest.raises(ApplicationError):
        services.certificate_revoke(certificate=certificate, reason="  ", revoked_by=admin)
    revoked = services.certificate_revoke(certificate=certificate, reason="Plagiarism", revoked_by=admin)
    assert revoked.is_revoked and revoked.revoked_by == admin


def test_manual_issue_is_for_staff_and_completes_the_enrollment(enrollment):
    from lms.exceptions import PermissionDeniedError

    learner = UserFactory()
    with pytest.raises(PermissionDeniedError):  # 403, not a 400: a known user who may not
        services.certificate_issue_manually(user=learner, course=enrollment.course, issued_by=learner)
    certificate = services.certificate_issue_manually(user=learner, course=enrollment.course, issued_by=AdminFactory())
    assert certificate.enrollment.status == "completed"


def test_users_and_courses_holding_certificates_cannot_be_deleted(enrollment):
    from django.db.models import ProtectedError

    services.certificate_issue(enrollment_id=enrollment.pk)
    with pytest.raises(ProtectedError):
        enrollment.user.delete()
    with pytest.raises(ProtectedError):
        enrollment.course.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_issue_one_certificate():
    enrollment = completed_enrollment()
    Certificate.objects.all().delete()
    barrier = threading.Barrier(6)
    codes = []

    def issue():
        barrier.wait()
        try:
            codes.append(services.certificate_issue(enrollment_id=enrollment.pk)[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Certificate.objects.count() == 1
    assert set(codes) == {Certificate.objects.get().code}


def test_a_render_in_flight_when_the_name_is_withheld_keeps_no_pdf(enrollment, monkeypatch):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    real_renderer = services.render_certificate

    def render_while_the_account_is_erased(content):
        data = real_renderer(content)  # the PDF with the name is built...
        services.certificates_withhold_name(user_id=certificate.user_id)  # ...as the erasure lands
        return data

    monkeypatch.setattr(services, "render_certificate", render_while_the_account_is_erased)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.learner_name == services.NAME_WITHHELD
    assert not certificate.pdf and not certificate.is_ready
    storage = certificate.pdf.storage
    assert [n for n in storage.listdir("certificates")[1] if n.startswith(certificate.code)] == []
    monkeypatch.undo()
    assert services.certificate_render(certificate_id=certificate.pk).pdf.name == ""  # never rendered again
    assert certificate.name_withheld_at is not None and certificate.render_error == ""
    assert services.certificates_render_pending() == 0  # nor by the sweep
    assert not Certificate.objects.get(pk=certificate.pk).pdf


def test_the_erasure_migration_moves_the_old_marker_to_name_withheld_at(enrollment):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("certificates.migrations.0002_name_withheld_at")
    certificate = services.certificate_process(enrollment_id=enrollment.pk)
    Certificate.objects.filter(pk=certificate.pk).update(render_error=migration.ERASED)  # as erased before
    migration.mark(apps, None)
    certificate.refresh_from_db()
    assert certificate.name_withheld_at == certificate.updated_at and certificate.render_error == ""
    migration.unmark(apps, None)
    certificate.refresh_from_db()
    assert (certificate.name_withheld_at, certificate.render_error) == (None, migration.ERASED)
