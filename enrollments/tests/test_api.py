"""The learning API: /api/v1/enrollments/, enrollments/{id}/progress/, lessons/{id}/complete/."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from courses.tests.factories import (
    PDF_BYTES,
    AttachmentFactory,
    Cast,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    course_with_lessons,
)
from enrollments.models import Enrollment, LessonProgress
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db

ENROLLMENTS = "/api/v1/enrollments/"


def one(enrollment_id: int) -> str:
    return f"{ENROLLMENTS}{enrollment_id}/"


def complete_url(lesson_id: int) -> str:
    return f"/api/v1/lessons/{lesson_id}/complete/"


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    return course_with_lessons(slug="python", title="Python", modules=2, lessons_per_module=2, instructors=[cast.owner])


def as_(client, user):
    client.force_authenticate(user)
    return client


def _lessons(course):
    return list(course.lessons.order_by("module__position", "position", "id"))


# --- enrolling -----------------------------------------------------------------------------


def test_enrolling_is_201_then_200_with_the_same_enrollment(api_client, cast, course):
    client = as_(api_client, cast.learner)
    first = client.post(ENROLLMENTS, {"course": "python"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["course"], body["status"], body["progress_percent"]) == (
        {"slug": "python", "title": "Python"},
        "active",
        0,
    )
    again = client.post(ENROLLMENTS, {"course": "python"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Enrollment.objects.count() == 1


def test_anonymous_visitors_cannot_enrol(api_client, course):
    assert api_client.post(ENROLLMENTS, {"course": "python"}).status_code == 401
    assert not Enrollment.objects.exists()


def test_the_client_cannot_choose_the_learner_or_the_status(api_client, cast, course):
    response = as_(api_client, cast.learner).post(
        ENROLLMENTS,
        {"course": "python", "user": cast.other_learner.pk, "status": "completed", "completed_at": "2020-01-01"},
    )
    assert response.status_code == 201
    enrollment = Enrollment.objects.get()
    assert (enrollment.user, enrollment.status, enrollment.completed_at) == (cast.learner, "active", None)


@pytest.mark.parametrize("kind", ["draft", "archived", "unknown"])
def test_enrolling_in_a_course_the_learner_cannot_see_is_404(api_client, cast, kind):
    if kind != "unknown":
        course_with_lessons(slug="hidden", **{kind: True})
    response = as_(api_client, cast.learner).post(ENROLLMENTS, {"course": "hidden"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Enrollment.objects.exists()


def test_the_instructor_of_a_draft_cannot_enrol_in_it(api_client, cast):
    course_with_lessons(slug="draft", draft=True, instructors=[cast.owner])
    response = as_(api_client, cast.owner).post(ENROLLMENTS, {"course": "draft"})
    assert response.status_code == 409
    assert response.json()["code"] == "course_not_published"


def test_enrolling_outside_the_window_is_409_with_its_reason(api_client, cast):
    opens = timezone.now() + timedelta(days=1)
    course_with_lessons(slug="windowed", enrollment_opens_at=opens, enrollment_closes_at=opens + timedelta(days=1))
    client = as_(api_client, cast.learner)
    early = client.post(ENROLLMENTS, {"course": "windowed"})
    assert (early.status_code, early.json()["code"]) == (409, "enrollment_not_open")
    with time_machine.travel(opens + timedelta(days=2)):
        late = client.post(ENROLLMENTS, {"course": "windowed"})
    assert (late.status_code, late.json()["code"]) == (409, "enrollment_closed")
    with time_machine.travel(opens + timedelta(hours=1)):
        assert client.post(ENROLLMENTS, {"course": "windowed"}).status_code == 201


def test_missing_prerequisites_are_400_and_named(api_client, cast):
    basics = course_with_lessons(slug="basics", title="Basics")
    course_with_lessons(slug="advanced").prerequisites.add(basics)
    response = as_(api_client, cast.learner).post(ENROLLMENTS, {"course": "advanced"})
    assert response.status_code == 400
    assert response.json()["code"] == "prerequisites_missing"
    assert response.json()["missing_prerequisites"] == ["Basics"]


def test_a_full_course_is_409_course_full(api_client, cast):
    course = course_with_lessons(slug="small", capacity=1)
    EnrollmentFactory(course=course)
    response = as_(api_client, cast.learner).post(ENROLLMENTS, {"course": "small"})
    assert response.status_code == 409
    assert response.json()["code"] == "course_full"
    assert response.json()["detail"] == "This course is full."


def test_bad_input_is_400(api_client, cast):
    response = as_(api_client, cast.learner).post(ENROLLMENTS, {"course": "not a slug!"})
    assert response.status_code == 400
    assert "course" in response.json()["errors"]


# --- reading, dropping ---------------------------------------------------------------------


def test_learners_list_only_their_own_enrollments(api_client, cast, course):
    mine = EnrollmentFactory(user=cast.learner, course=course)
    EnrollmentFactory(user=cast.other_learner, course=course)
    body = as_(api_client, cast.learner).get(ENROLLMENTS).json()
    assert [e["id"] for e in body["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("role", "status"),
    [("learner", 200), ("other_learner", 404), ("other_instructor", 404), ("owner", 200), ("staff", 200)],
)
def test_an_enrollment_and_its_progress_are_404_to_strangers(api_client, cast, course, role, status):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    client = as_(api_client, cast[role])
    assert client.get(one(enrollment.pk)).status_code == status
    assert client.get(one(enrollment.pk) + "progress/").status_code == status


def test_anonymous_visitors_see_no_enrollments(api_client, course):
    enrollment = EnrollmentFactory(course=course)
    assert api_client.get(ENROLLMENTS).status_code == 401
    assert api_client.get(one(enrollment.pk)).status_code == 401


def test_instructors_list_the_learners_of_their_own_courses_only(api_client, cast, course):
    ada = EnrollmentFactory(user=cast.learner, course=course)
    bob = EnrollmentFactory(user=cast.other_learner, course=course)
    foreign = EnrollmentFactory(course=CourseFactory(slug="theirs", instructors=[cast.other_instructor]))
    client = as_(api_client, cast.owner)
    listed = client.get(ENROLLMENTS, {"course": "python"}).json()["results"]
    assert {e["id"] for e in listed} == {ada.pk, bob.pk}
    assert {e["user"]["id"] for e in listed} == {cast.learner.pk, cast.other_learner.pk}
    assert client.get(ENROLLMENTS, {"course": "theirs"}).json()["results"] == []
    assert foreign.pk not in {e["id"] for e in client.get(ENROLLMENTS).json()["results"]}
    staff = as_(api_client, cast.staff).get(ENROLLMENTS).json()["results"]
    assert {e["id"] for e in staff} == {ada.pk, bob.pk, foreign.pk}


def test_an_enrollment_in_a_course_with_several_instructors_is_listed_once(api_client, cast):
    course = CourseFactory(slug="team", instructors=[cast.owner, cast.other_instructor, InstructorFactory()])
    mine = EnrollmentFactory(user=cast.learner, course=course)
    for viewer in (cast.learner, cast.owner, cast.staff):
        listed = as_(api_client, viewer).get(ENROLLMENTS).json()
        assert [e["id"] for e in listed["results"]] == [mine.pk] and listed["count"] == 1
        assert as_(api_client, viewer).get(one(mine.pk)).status_code == 200


def test_dropping_through_the_api_then_enrolling_again_keeps_the_row(api_client, cast, course):
    client = as_(api_client, cast.learner)
    enrollment_id = client.post(ENROLLMENTS, {"course": "python"}).json()["id"]
    client.post(complete_url(_lessons(course)[0].pk))
    assert client.delete(one(enrollment_id)).status_code == 204
    assert Enrollment.objects.get().status == "dropped"
    again = client.post(ENROLLMENTS, {"course": "python"})
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["status"], again.json()["progress_percent"]) == (
        enrollment_id,
        "active",
        25,
    )


@pytest.mark.parametrize(("role", "status"), [("other_learner", 404), ("owner", 403), ("other_instructor", 404)])
def test_only_the_learner_drops_their_enrollment(api_client, cast, course, role, status):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    assert as_(api_client, cast[role]).delete(one(enrollment.pk)).status_code == status
    assert Enrollment.objects.get().status == "active"


def test_a_completed_enrollment_cannot_be_dropped(api_client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course, completed=True)
    response = as_(api_client, cast.learner).delete(one(enrollment.pk))
    assert (response.status_code, response.json()["code"]) == (409, "enrollment_completed")


# --- progress and completion ---------------------------------------------------------------


def test_progress_shows_each_module_and_lesson_state(api_client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    a, b, c, d = _lessons(course)
    LessonProgressFactory(enrollment=enrollment, lesson=a)
    LessonProgressFactory(enrollment=enrollment, lesson=c)
    body = as_(api_client, cast.learner).get(one(enrollment.pk) + "progress/").json()
    assert (body["percent"], body["required_total"], body["required_done"], body["next_lesson"]) == (50, 4, 2, b.pk)
    states = [[(ls["id"], ls["state"]) for ls in m["lessons"]] for m in body["modules"]]
    assert states == [[(a.pk, "done"), (b.pk, "current")], [(c.pk, "done"), (d.pk, "todo")]]
    assert [(m["lessons_done"], m["lessons_total"]) for m in body["modules"]] == [(1, 2), (1, 2)]


def test_completing_lessons_through_the_api_is_idempotent_and_completes_the_course(api_client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    client = as_(api_client, cast.learner)
    lessons = _lessons(course)
    for _ in range(2):
        response = client.post(complete_url(lessons[0].pk))
        assert response.status_code == 200
        assert response.json()["percent"] == 25
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    for lesson in lessons[1:]:
        last = client.post(complete_url(lesson.pk)).json()
    assert (last["status"], last["percent"], last["next_lesson"]) == ("completed", 100, None)


@pytest.mark.parametrize("role", ["learner", "other_instructor", "owner"])
def test_completing_a_lesson_without_an_enrollment_is_403(api_client, cast, course, role):
    response = as_(api_client, cast[role]).post(complete_url(_lessons(course)[0].pk))
    assert response.status_code == 403
    assert response.json()["code"] == "not_enrolled"
    assert not LessonProgress.objects.exists()


def test_completing_a_lesson_after_dropping_is_403(api_client, cast, course):
    EnrollmentFactory(user=cast.learner, course=course, dropped=True)
    assert as_(api_client, cast.learner).post(complete_url(_lessons(course)[0].pk)).status_code == 403


def test_completing_a_draft_courses_lesson_is_404(api_client, cast):
    draft = course_with_lessons(draft=True)
    EnrollmentFactory(user=cast.learner, course=draft)  # even with an enrollment left from before
    response = as_(api_client, cast.learner).post(complete_url(_lessons(draft)[0].pk))
    assert response.status_code == 404
    assert as_(api_client, cast.learner).post(complete_url(999_999)).status_code == 404


def test_anonymous_visitors_cannot_complete_lessons(api_client, course):
    assert api_client.post(complete_url(_lessons(course)[0].pk)).status_code == 401


# --- lesson content for enrolled learners ---------------------------------------------------


def test_enrolled_learners_read_lessons_and_download_their_files_until_they_drop(api_client, cast, course):
    lesson = _lessons(course)[1]
    attachment = AttachmentFactory(lesson=lesson)
    client = as_(api_client, cast.learner)
    assert client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 403
    enrollment_id = client.post(ENROLLMENTS, {"course": "python"}).json()["id"]
    response = client.get(f"/api/v1/lessons/{lesson.pk}/")
    assert response.status_code == 200
    assert response.json()["body_html"] == lesson.body_html
    assert [a["id"] for a in response.json()["attachments"]] == [attachment.pk]
    download = client.get(f"/api/v1/lessons/{lesson.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF_BYTES
    client.delete(one(enrollment_id))
    assert client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 403
    assert client.get(f"/api/v1/lessons/{lesson.pk}/attachments/{attachment.pk}/").status_code == 403


# --- query counts --------------------------------------------------------------------------


def _add_lessons(course, modules: int, per_module: int) -> None:
    for _ in range(modules):
        LessonFactory.create_batch(per_module, module=ModuleFactory(course=course))


def test_progress_runs_a_constant_number_of_queries(
    api_client, cast, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    course = CourseFactory()
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    client = as_(api_client, cast.learner)
    _add_lessons(course, 1, 5)
    LessonProgressFactory(enrollment=enrollment, lesson=course.lessons.first())
    with django_assert_max_num_queries(7) as small:
        assert len(client.get(one(enrollment.pk) + "progress/").json()["modules"]) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the catalog version moves on
        _add_lessons(course, 5, 9)
    for lesson in course.lessons.all()[:20]:
        LessonProgress.objects.get_or_create(
            enrollment=enrollment,
            lesson=lesson,
            defaults={"first_viewed_at": timezone.now(), "completed_at": timezone.now()},
        )
    with django_assert_max_num_queries(len(small)):
        body = client.get(one(enrollment.pk) + "progress/").json()
    assert (body["required_total"], body["required_done"]) == (50, 20)


def test_enrollment_list_runs_a_constant_number_of_queries(api_client, cast, django_assert_max_num_queries):
    client = as_(api_client, cast.learner)

    def enrol_in(n):
        for _ in range(n):
            course = CourseFactory()
            LessonFactory.create_batch(2, module=ModuleFactory(course=course))
            EnrollmentFactory(user=cast.learner, course=course)

    enrol_in(2)
    with django_assert_max_num_queries(4) as small:  # count, page, other apps' requirements
        assert len(client.get(ENROLLMENTS).json()["results"]) == 2
    enrol_in(18)
    with django_assert_max_num_queries(len(small)):
        assert len(client.get(ENROLLMENTS).json()["results"]) == 20
