"""Exports: asked for through the API or the admin, built by a worker into the private
storage, downloaded only by the person who asked; rows that spreadsheets cannot run;
kept for RETENTION, built once whatever the number of deliveries."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import Course
from courses.tests.factories import Cast, course_with_lessons
from enrollments import services as enrollment_services
from enrollments.tests.factories import EnrollmentFactory
from lms.tests.helpers import run_at_once
from quizzes import services as quiz_services
from quizzes.tests.factories import QuizFactory, single
from reports import services
from reports.models import Export

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/exports/"


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    return course_with_lessons(slug="exported", title="Exported Course", lessons_per_module=3, instructors=[cast.owner])


def _read(fieldfile) -> list[list[str]]:
    with fieldfile.open("rb") as f:
        return list(csv.reader(io.StringIO(f.read().decode("utf-8"))))


def _body(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def _build(user, kind, course=None, capture=None) -> Export:
    with capture(execute=True):
        export, _ = services.export_request(user=user, kind=kind, course=course)
    export.refresh_from_db()
    return export


def test_instructor_asks_polls_and_downloads_an_enrollments_export(
    api_client, cast, course, django_capture_on_commit_callbacks
):
    first_lesson = course.lessons.order_by("position").first()
    enrollment_services.enrollment_create(user=cast.learner, course=course)
    enrollment_services.lesson_complete(user=cast.learner, lesson=first_lesson)
    EnrollmentFactory(user=cast.other_learner, course=course, dropped=True)
    api_client.force_authenticate(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(EXPORTS, {"kind": "enrollments", "course": course.slug}, format="json")
    assert response.status_code == 202, response.content
    export = api_client.get(f"{EXPORTS}{response.json()['id']}/").json()
    assert export["status"] == "ready" and export["row_count"] == 2 and export["course"] == "exported"
    assert export["download_url"].endswith(f"/api/v1/exports/{export['id']}/download/")
    download = api_client.get(export["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="enrollments-exported-' in download["Content-Disposition"]
    header, *rows = _body(download)
    assert header[:8] == ["enrollment_id", "course", "course_title", "user_id", "email", "name", "status",
                          "progress_percent"]  # fmt: skip
    by_email = {row[4]: row for row in rows}
    assert by_email[cast.learner.email][6:8] == ["active", "33"]
    assert by_email[cast.other_learner.email][6] == "dropped"
    assert len(mail.outbox) == 1 and f"/exports/{export['id']}/download/" in mail.outbox[0].body


def test_progress_and_grades_exports_have_their_rows(cast, course, django_capture_on_commit_callbacks):
    lessons = list(course.lessons.order_by("position"))
    enrollment_services.enrollment_create(user=cast.learner, course=course)
    enrollment_services.lesson_complete(user=cast.learner, lesson=lessons[0])
    enrollment_services.lesson_visit(user=cast.learner, lesson=lessons[1])
    quiz = QuizFactory(module=lessons[0].module, title="Check", pass_mark=50)
    single(quiz)
    attempt, _ = quiz_services.attempt_start(user=cast.learner, quiz=quiz)
    quiz_services.attempt_submit(attempt=attempt)
    quiz_services.attempt_start(user=cast.learner, quiz=quiz)  # in progress: not a grade yet

    progress = _read(_build(cast.owner, "progress", course, django_capture_on_commit_callbacks).file)
    assert [(row[5], row[8] != "") for row in progress[1:]] == [(str(lessons[0].pk), True), (str(lessons[1].pk), False)]
    grades = _read(_build(cast.owner, "grades", course, django_capture_on_commit_callbacks).file)
    assert len(grades) == 2
    assert grades[1][0] == str(attempt.pk) and grades[1][3] == "Check" and grades[1][-2:] == ["0.00", "no"]


def test_exported_text_cannot_run_as_a_spreadsheet_formula(cast, course, django_capture_on_commit_callbacks):
    learner = UserFactory(first_name='=HYPERLINK("http://evil")', last_name="")
    Course.objects.filter(pk=course.pk).update(title="+SUM(A1:A9)")
    EnrollmentFactory(user=learner, course=course)
    (row,) = _read(_build(cast.owner, "enrollments", course, django_capture_on_commit_callbacks).file)[1:]
    assert row[2] == "'+SUM(A1:A9)"
    assert row[5] == '\'=HYPERLINK("http://evil")'


def test_an_export_of_every_course_covers_only_the_instructors_own(cast, course, django_capture_on_commit_callbacks):
    EnrollmentFactory(user=cast.learner, course=course)
    EnrollmentFactory(user=cast.learner, course=course_with_lessons(instructors=[cast.other_instructor]))
    rows = _read(_build(cast.owner, "enrollments", None, django_capture_on_commit_callbacks).file)[1:]
    assert [row[1] for row in rows] == ["exported"]
    every = _read(_build(cast.staff, "enrollments", None, django_capture_on_commit_callbacks).file)[1:]
    assert len(every) == 2


def test_other_peoples_exports_do_not_exist_for_them(
    api_client, client, cast, course, django_capture_on_commit_callbacks
):
    export = _build(cast.owner, "enrollments", course, django_capture_on_commit_callbacks)
    for user in (cast.other_instructor, cast.staff):
        api_client.force_authenticate(user)
        assert api_client.get(f"{EXPORTS}{export.pk}/").status_code == 404
        assert api_client.get(f"{EXPORTS}{export.pk}/download/").status_code == 404
        assert api_client.get(EXPORTS).json()["results"] == []
        client.force_login(user)
        assert client.get(f"/exports/{export.pk}/download/").status_code == 404
    client.force_login(cast.owner)
    page = client.get(f"/exports/{export.pk}/download/")
    assert page.status_code == 200 and _body(page)[0][0] == "enrollment_id"


def test_learners_cannot_export_and_instructors_only_their_courses(api_client, cast, course):
    api_client.force_authenticate(cast.learner)
    assert api_client.post(EXPORTS, {"kind": "enrollments"}, format="json").status_code == 403
    assert api_client.get(EXPORTS).status_code == 403
    api_client.force_authenticate(cast.other_instructor)
    assert api_client.post(EXPORTS, {"kind": "grades", "course": course.slug}, format="json").status_code == 403
    draft = course_with_lessons(draft=True, instructors=[cast.owner])
    assert api_client.post(EXPORTS, {"kind": "grades", "course": draft.slug}, format="json").status_code == 404
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"kind": "salaries"}, {"kind": "grades", "course": "no such course!"}, {"kind": ["grades"]}]
)
def test_bad_export_requests_are_400(api_client, cast, body):
    api_client.force_authenticate(cast.owner)
    response = api_client.post(EXPORTS, body, format="json")
    assert response.status_code == 400 and response.json()["errors"]


def test_a_pending_export_is_409_and_asking_again_returns_it(api_client, client, cast, course):
    api_client.force_authenticate(cast.owner)
    # Without running the on-commit enqueue, the export stays pending (a busy worker).
    first = api_client.post(EXPORTS, {"kind": "enrollments", "course": course.slug}, format="json")
    again = api_client.post(EXPORTS, {"kind": "enrollments", "course": course.slug}, format="json")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["download_url"] is None
    download = api_client.get(f"{EXPORTS}{first.json()['id']}/download/")
    assert download.status_code == 409 and download.json()["code"] == "export_pending"
    client.force_login(cast.owner)
    assert client.get(f"/exports/{first.json()['id']}/download/").status_code == 409
    assert Export.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scope", ["course", "every course"])
def test_the_same_export_asked_from_many_tabs_at_once_is_built_once(monkeypatch, scope):
    """Ten requests at the same moment: one pending export (a constraint, not a check then
    an insert), the same for all ten, queued once. The build itself is held back here
    (recorded, not run): a build finishing mid-race would rightly let a later request
    start a new export."""
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.export_build, "delay_on_commit", queued.append)
    cast = Cast()
    course = course_with_lessons(instructors=[cast.owner]) if scope == "course" else None
    requester = cast.owner if course else cast.staff
    results = run_at_once([lambda: services.export_request(user=requester, kind="enrollments", course=course)] * 10)

    assert all(isinstance(r, tuple) for r in results), results
    assert len({export.pk for export, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert Export.objects.count() == 1 and queued == [results[0][0].pk]


def test_building_twice_builds_once(cast, course, django_capture_on_commit_callbacks):
    export, _ = services.export_request(user=cast.owner, kind="enrollments", course=course)  # not enqueued
    with django_capture_on_commit_callbacks(execute=True):
        name = services.export_build(export_id=export.pk).file.name
        assert services.export_build(export_id=export.pk).file.name == name
    assert Export.objects.get(pk=export.pk).builds == 1
    assert len(mail.outbox) == 1  # one "ready" email


def test_sweep_expires_old_exports_requeues_lost_ones_and_gives_up_on_failing_ones(
    cast, course, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start - services.RETENTION - timedelta(hours=1), tick=False):
        old, _ = services.export_request(user=cast.owner, kind="enrollments", course=course)
        services.export_build(export_id=old.pk)
    old.refresh_from_db()
    old_file = old.file.name
    with time_machine.travel(start - timedelta(minutes=30), tick=False):
        lost, _ = services.export_request(user=cast.owner, kind="grades", course=course)
        hopeless, _ = services.export_request(user=cast.owner, kind="progress", course=course)
    Export.objects.filter(pk=hopeless.pk).update(builds=services.MAX_BUILDS)
    fresh, _ = services.export_request(user=cast.owner, kind="enrollments", course=course)

    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = services.exports_sweep()
    # the sweep's enqueue ran inline: the lost export is built now
    assert result == {"expired": 1, "failed": 1, "requeued": 1}
    assert not Export.objects.filter(pk=old.pk).exists()
    assert not old.file.storage.exists(old_file)
    assert Export.objects.get(pk=lost.pk).status == "ready"
    assert Export.objects.get(pk=hopeless.pk).status == "failed"
    assert Export.objects.get(pk=fresh.pk).status == "pending"  # not stale yet


def test_admin_asks_for_an_export_and_links_the_download(client, cast, course, django_capture_on_commit_callbacks):
    EnrollmentFactory(user=cast.learner, course=course)
    client.force_login(cast.owner)
    add = client.get("/admin/reports/export/add/")
    assert list(add.context["adminform"].form.fields["course"].queryset) == [course]
    assert add.context["adminform"].form["format"].value() == "csv"  # the form offers CSV first
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/reports/export/add/", {"kind": "enrollments", "course": course.pk, "format": "csv"}
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.requested_by == cast.owner and export.status == "ready"
    listing = client.get("/admin/reports/export/")
    assert f'href="/exports/{export.pk}/download/"' in listing.content.decode()
    client.force_login(cast.other_instructor)
    assert client.get("/admin/reports/export/").context["cl"].result_count == 0
    client.force_login(cast.learner)
    assert client.get("/admin/reports/export/").status_code == 302


def test_deleting_an_export_in_the_admin_deletes_its_file(client, cast, course, django_capture_on_commit_callbacks):
    export = _build(cast.owner, "enrollments", course, django_capture_on_commit_callbacks)
    name, storage = export.file.name, export.file.storage
    client.force_login(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/reports/export/{export.pk}/delete/", {"post": "yes"})
    assert not Export.objects.exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("learners", [3, 30])
def test_export_build_queries_do_not_grow_with_the_learners(cast, course, learners, django_assert_max_num_queries):
    for _ in range(learners):
        enrollment = EnrollmentFactory(course=course)
        enrollment_services.lesson_complete(user=enrollment.user, lesson=course.lessons.first())
    for kind in ("enrollments", "progress", "grades"):
        export, _ = services.export_request(user=cast.owner, kind=kind, course=course)
        with django_assert_max_num_queries(9):
            services.export_build(export_id=export.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_building_one_export_at_once_build_it_once(cast, course):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...): row locks with SKIP LOCKED")
    EnrollmentFactory(course=course)
    export = Export.objects.create(requested_by=cast.owner, kind="enrollments", course=course)  # not enqueued
    results = run_at_once([lambda: services.export_build(export_id=export.pk)] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    export.refresh_from_db()
    assert export.status == "ready"
    names = {r.file.name for r in results if r is not None}
    assert names == {export.file.name}  # one file; the other worker skipped or found it ready
    assert export.row_count == 1
    stored = export.file.storage.listdir("exports")[1]
    assert len([n for n in stored if n.startswith(f"{export.pk}-")]) == 1


@pytest.mark.celery_worker
def test_a_real_worker_builds_the_export(celery_worker, cast, course, tmp_path):
    EnrollmentFactory(user=cast.learner, course=course)
    export = Export.objects.create(requested_by=cast.owner, kind="enrollments", course=course)
    celery_worker.send_task("reports.build_export", args=[export.pk])
    celery_worker.send_task("reports.build_export", args=[export.pk])  # delivered twice
    celery_worker.wait_for(lambda: celery_worker.finished("reports.build_export") >= 2)
    export.refresh_from_db()
    assert export.status == "ready" and export.row_count == 1 and export.builds == 1
    rows = list(csv.reader(io.StringIO((tmp_path / "worker-private" / export.file.name).read_text())))
    assert rows[1][4] == cast.learner.email
    assert celery_worker.log().count("Subject: Your export is ready") == 1, celery_worker.log()
