"""The gradebook export: each learner's cell of each item and their course grade, as CSV
or Excel, built in the background like every export; /api/v1/ neither lists nor builds
the kinds it does not know."""

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest

from assignments import services as assignment_services
from assignments.models import Assignment
from courses.tests.factories import Cast, course_with_lessons
from enrollments import services as enrollment_services
from grades import services as grade_services
from grades.models import ManualItem
from reports import services
from reports.models import Export

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    course = course_with_lessons(slug="graded", title="Graded", lessons_per_module=1, instructors=[cast.owner])
    task = Assignment.objects.create(module=course.modules.first(), title="Essay", points=20)
    enrollment_services.enrollment_create(user=cast.learner, course=course)
    submission, _ = assignment_services.submission_save(user=cast.learner, assignment=task, text="w")
    assignment_services.submission_grade(
        submission=submission, score=Decimal(15), feedback="", by=cast.owner, version=1
    )
    item = ManualItem.objects.create(course=course, title="=Participation", points=Decimal(10))
    grade_services.override_set(
        course=course,
        user=cast.learner,
        item_key=f"manual:{item.pk}",
        percent=Decimal(50),
        reason="Half",
        by=cast.owner,
    )
    return course


def _build(user, course, fmt, capture) -> Export:
    with capture(execute=True):
        export, _ = services.export_request(user=user, kind="gradebook", course=course, format=fmt)
    export.refresh_from_db()
    assert export.status == "ready", export.error
    return export


def test_the_gradebook_exports_each_cell_and_the_course_grade_as_csv(cast, course, django_capture_on_commit_callbacks):
    export = _build(cast.owner, course, "csv", django_capture_on_commit_callbacks)
    with export.file.open("rb") as f:
        rows = list(csv.reader(io.StringIO(f.read().decode())))
    assert rows[0][:5] == ["course", "user_id", "email", "name", "item"]
    by_item = {row[4]: row for row in rows[1:]}
    assert by_item["Essay"][7] == "75.00" and by_item["Essay"][8] == ""
    assert by_item["'=Participation"][7:10] == ["50.00", "yes", "Half"]  # a formula is shown, not run
    assert by_item["course grade"][7:] == ["66.67", "", "D"]  # (15 + 5) / 30
    assert export.filename.endswith(".csv") and export.row_count == 3


def test_the_gradebook_exports_as_an_excel_file(client, cast, course, django_capture_on_commit_callbacks):
    export = _build(cast.owner, course, "xlsx", django_capture_on_commit_callbacks)
    client.force_login(cast.owner)
    response = client.get(f"/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
    cells = sheet + strings
    assert "Essay" in cells and "course grade" in cells and "<f>" not in sheet  # no formula anywhere
    assert re.search(r"<v>66\.67</v>", sheet)  # a number, not a string


def test_the_v1_api_neither_lists_nor_builds_the_gradebook_kind(
    api_client, cast, course, django_capture_on_commit_callbacks
):
    _build(cast.owner, course, "csv", django_capture_on_commit_callbacks)
    api_client.force_authenticate(cast.owner)
    assert api_client.get("/api/v1/exports/").json()["count"] == 0
    refused = api_client.post("/api/v1/exports/", {"kind": "gradebook", "course": course.slug}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]
    xlsx = api_client.post(
        "/api/v1/exports/", {"kind": "grades", "course": course.slug, "format": "xlsx"}, format="json"
    )
    assert xlsx.status_code == 202 and xlsx.json()["format"] == "xlsx"


def test_the_grid_offers_the_export_prefilled(client, cast, course):
    client.force_login(cast.owner)
    page = client.get(f"/admin/grades/gradebook/course/{course.pk}/").content.decode()
    assert f"/admin/reports/export/add/?kind=gradebook&amp;course={course.pk}&amp;format=xlsx" in page
    form = client.get(f"/admin/reports/export/add/?kind=gradebook&course={course.pk}&format=xlsx").content.decode()
    assert 'value="gradebook" selected' in form and 'value="xlsx" selected' in form
