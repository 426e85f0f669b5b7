"""Bulk enrolment by email, from a CSV file or a JSON list, through the API and the admin:
the same rules as a learner enrolling, a report per address, nothing twice on a retry."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from accounts.tests.factories import UserFactory
from courses.tests.factories import Cast, course_with_lessons
from enrollments import services
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory
from lms.exceptions import ApplicationError, PermissionDeniedError
from lms.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    return course_with_lessons(slug="bulk", title="Bulk Course", instructors=[cast.owner])


def _url(course) -> str:
    return f"/api/v1/courses/{course.slug}/enrollments/bulk/"


def _csv(text: str, name: str = "learners.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# --- reading the file ----------------------------------------------------------------


def test_csv_reads_the_email_column_normalised_and_once_each():
    data = "\ufeffName,Email\nAda,Ada@Example.com\nBob, bob@example.com \n\nAda again,ada@example.com\n"
    assert services.emails_from_csv(data.encode()) == ["ada@example.com", "bob@example.com"]


def test_csv_of_a_single_column_needs_no_header():
    assert services.emails_from_csv(b"a@example.com\r\nb@example.com\r\n") == ["a@example.com", "b@example.com"]


def test_csv_rows_that_are_not_addresses_are_all_reported_by_line():
    with pytest.raises(ApplicationError) as exc:
        services.emails_from_csv(b"email\nok@example.com\nnot-an-address\n\n=cmd|' /C calc'!A0\n")
    assert exc.value.code == "invalid_rows"
    errors = exc.value.extra["errors"]["file"]
    assert [e.split(":")[0] for e in errors] == ["Line 3", "Line 5"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xfeh\x00i\x00", "invalid_csv"),
        (b"email\nnul\x00@example.com\n", "invalid_csv"),
        (b"", "empty_csv"),
        (b"email\n\n", "empty_csv"),
        (b"name,address\nAda,ada@example.com\n", "no_email_column"),
        (b"x" * (services.BULK_ENROL_MAX_BYTES + 1), "file_too_large"),
        ("".join(f"u{i}@example.com\n" for i in range(services.BULK_ENROL_MAX_ROWS + 1)).encode(), "too_many_rows"),
    ],
    ids=["utf16", "nul", "empty", "header-only", "no-email-column", "too-large", "too-many-rows"],
)
def test_unusable_files_are_refused_with_a_reason(data, code):
    with pytest.raises(ApplicationError) as exc:
        services.emails_from_csv(data)
    assert exc.value.code == code


# --- the service -----------------------------------------------------------------------


def test_bulk_enrol_reports_what_became_of_each_address(cast, course, django_capture_on_commit_callbacks):
    new, seated = UserFactory(email="new@example.com"), UserFactory(email="seated@example.com")
    closed = UserFactory(email="closed@example.com", is_active=False)
    EnrollmentFactory(user=seated, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrollment_bulk_create(
            actor=cast.owner, course=course, emails=[new.email, seated.email, "nobody@example.com", closed.email]
        )
    assert result.as_dict() == {
        "enrolled": ["new@example.com"],
        "already_enrolled": ["seated@example.com"],
        "not_found": ["nobody@example.com"],
        "refused": [{"email": "closed@example.com", "code": "account_inactive", "message": "The account is closed."}],
    }
    assert Enrollment.objects.filter(course=course, user=new, status="active").exists()
    assert not Enrollment.objects.filter(user=closed).exists()
    assert [m.to for m in mail.outbox] == [["new@example.com"]]  # the usual confirmation, to the new learner only


@pytest.mark.django_db(transaction=True)
def test_a_long_list_is_committed_batch_by_batch(cast, monkeypatch):
    """Each batch commits on its own (the course row is locked one batch at a time, not
    for the whole list): when one fails, those before it stay enrolled, and sending the
    same list again enrols the rest, reporting the others as enrolled already."""
    monkeypatch.setattr(services, "BULK_BATCH", 2)
    course = course_with_lessons(instructors=[cast.owner])
    learners = [UserFactory() for _ in range(5)]
    real_create = services.enrollment_create

    def database_goes_away_at_the_fourth(*, user, course):
        if user == learners[3]:
            raise OperationalError("server closed the connection unexpectedly")
        return real_create(user=user, course=course)

    monkeypatch.setattr(services, "enrollment_create", database_goes_away_at_the_fourth)
    emails = [learner.email for learner in learners]
    with pytest.raises(OperationalError):
        services.enrollment_bulk_create(actor=cast.owner, course=course, emails=emails)
    enrolled = set(Enrollment.objects.filter(course=course).values_list("user_id", flat=True))
    assert enrolled == {learners[0].pk, learners[1].pk}  # the first batch; the failed one rolled back whole

    monkeypatch.setattr(services, "enrollment_create", real_create)
    result = services.enrollment_bulk_create(actor=cast.owner, course=course, emails=emails)
    assert result.already_enrolled == emails[:2] and result.enrolled == emails[2:]
    assert Enrollment.objects.filter(course=course).count() == 5


def test_bulk_enrol_applies_the_course_rules_seat_by_seat(cast):
    course = course_with_lessons(capacity=2, instructors=[cast.owner])
    users = [UserFactory() for _ in range(3)]
    result = services.enrollment_bulk_create(actor=cast.owner, course=course, emails=[u.email for u in users])
    assert result.enrolled == [users[0].email, users[1].email]
    assert result.refused == [{"email": users[2].email, "code": "course_full", "message": "This course is full."}]
    course.refresh_from_db()
    assert Enrollment.objects.filter(course=course).count() == 2 == course.enrollment_count


def test_a_dropped_learner_is_enrolled_again(cast, course):
    dropped = EnrollmentFactory(course=course, dropped=True)
    result = services.enrollment_bulk_create(actor=cast.owner, course=course, emails=[dropped.user.email])
    assert result.enrolled == [dropped.user.email]
    dropped.refresh_from_db()
    assert dropped.status == Enrollment.Status.ACTIVE


@pytest.mark.parametrize("role", ["learner", "other_instructor"])
def test_only_the_courses_teachers_and_staff_may_bulk_enrol(cast, course, role):
    with pytest.raises(PermissionDeniedError):
        services.enrollment_bulk_create(actor=cast[role], course=course, emails=[cast.other_learner.email])
    assert not Enrollment.objects.exists()


# --- the API ---------------------------------------------------------------------------


def test_instructor_enrols_a_csv_file_through_the_api(api_client, cast, course):
    a, b = UserFactory(email="a@example.com"), UserFactory(email="b@example.com")
    api_client.force_authenticate(cast.owner)
    response = api_client.post(
        _url(course), {"file": _csv("email\na@example.com\nB@example.com\nghost@example.com\n")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "enrolled": ["a@example.com", "b@example.com"],
        "already_enrolled": [],
        "not_found": ["ghost@example.com"],
        "refused": [],
    }
    assert set(Enrollment.objects.filter(course=course).values_list("user_id", flat=True)) == {a.pk, b.pk}


def test_sending_the_same_list_again_enrols_nothing_twice(api_client, cast, course):
    users = [UserFactory() for _ in range(3)]
    api_client.force_authenticate(cast.staff)
    body = {"emails": [u.email for u in users]}
    assert api_client.post(_url(course), body, format="json").json()["enrolled"] == body["emails"]
    events = OutboxEvent.objects.count()
    again = api_client.post(_url(course), body, format="json").json()
    assert again["enrolled"] == [] and again["already_enrolled"] == body["emails"]
    assert Enrollment.objects.filter(course=course).count() == 3
    assert OutboxEvent.objects.count() == events  # no second enrollment.created


def test_bad_rows_are_400_with_field_errors_and_enrol_nobody(api_client, cast, course):
    UserFactory(email="ok@example.com")
    api_client.force_authenticate(cast.owner)
    response = api_client.post(_url(course), {"file": _csv("email\nok@example.com\nnope\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rows"
    assert response.json()["errors"] == {"file": ["Line 3: 'nope' is not an email address."]}
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"emails": []}, {"emails": "a@example.com"}, {"emails": ["a@example.com"], "file": "x"}],
    ids=["neither", "empty-list", "not-a-list", "both"],
)
def test_malformed_bodies_are_400(api_client, cast, course, body):
    api_client.force_authenticate(cast.owner)
    response = api_client.post(_url(course), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_learners_and_other_instructors_are_refused_and_drafts_are_hidden(api_client, cast, course):
    body = {"emails": [cast.other_learner.email]}
    for user in (cast.learner, cast.other_instructor):
        api_client.force_authenticate(user)
        assert api_client.post(_url(course), body, format="json").status_code == 403
    draft = course_with_lessons(draft=True, instructors=[cast.owner])
    api_client.force_authenticate(cast.other_instructor)
    assert api_client.post(_url(draft), body, format="json").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(_url(course), body, format="json").status_code == 401
    assert not Enrollment.objects.exists()


def test_an_idempotency_key_reused_with_another_file_is_422(api_client, cast, course):
    UserFactory(email="one@example.com")
    UserFactory(email="two@example.com")
    api_client.force_authenticate(cast.owner)
    headers = {"HTTP_IDEMPOTENCY_KEY": "bulk-1"}
    first = api_client.post(_url(course), {"file": _csv("one@example.com\n")}, format="multipart", **headers)
    assert first.status_code == 200
    replay = api_client.post(_url(course), {"file": _csv("one@example.com\n")}, format="multipart", **headers)
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    other = api_client.post(_url(course), {"file": _csv("two@example.com\n")}, format="multipart", **headers)
    assert other.status_code == 422
    assert Enrollment.objects.filter(course=course).count() == 1


# --- the admin -------------------------------------------------------------------------

ADMIN_URL = "/admin/enrollments/enrollment/bulk-enrol/"


def test_instructor_enrols_a_csv_file_in_the_admin_and_sees_the_result(client, cast, course):
    UserFactory(email="learner1@example.com")
    client.force_login(cast.owner)
    assert b"Enrol from CSV" in client.get("/admin/enrollments/enrollment/").content
    page = client.post(ADMIN_URL, {"course": course.pk, "file": _csv("learner1@example.com\nghost@example.com\n")})
    assert page.status_code == 200
    assert page.context["result"].enrolled == ["learner1@example.com"]
    assert page.context["result"].not_found == ["ghost@example.com"]
    assert b"1 learner enrolled" in page.content and b"ghost@example.com" in page.content
    assert Enrollment.objects.filter(course=course, user__email="learner1@example.com").exists()


def test_admin_form_shows_bad_rows_and_offers_only_the_instructors_courses(client, cast, course):
    foreign = course_with_lessons(title="Someone Else's", instructors=[cast.other_instructor])
    client.force_login(cast.owner)
    page = client.get(ADMIN_URL)
    assert list(page.context["form"].fields["course"].queryset) == [course]
    refused = client.post(ADMIN_URL, {"course": foreign.pk, "file": _csv(f"{cast.learner.email}\n")})
    assert "course" in refused.context["form"].errors
    bad = client.post(ADMIN_URL, {"course": course.pk, "file": _csv("email\nnope\n")})
    assert "Line 2: &#x27;nope&#x27; is not an email address." in bad.content.decode()
    assert not Enrollment.objects.exists()


def test_learners_cannot_open_the_bulk_enrol_page(client, cast):
    client.force_login(cast.learner)
    assert client.get(ADMIN_URL).status_code == 302  # to the admin login
