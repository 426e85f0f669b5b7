"""The assignment page and API: handing work in (and retrying it), files seen only by their
learner and the course's teachers, grades shown only once released, grading with a stale
version refused, the grader page in the admin."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from assignments import services
from assignments.models import Assignment, Submission
from assignments.tests.factories import assignment, due_in, learner_of, pdf
from courses.tests.factories import InstructorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return assignment(due_at=due_in(2), release_policy=Assignment.Release.MANUAL)


@pytest.fixture
def learner(task):
    return learner_of(task.course)


@pytest.fixture
def teacher(task):
    return task.course.instructors.first()


def test_the_page_hands_work_in_and_shows_it(client, task, learner):
    client.force_login(learner)
    page = reverse("assignments:detail", args=[task.pk])
    response = client.post(page, {"text": "My *essay*", "files": [pdf()]})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.status == "submitted" and submission.files.count() == 1
    shown = client.get(page).content.decode()
    assert "Handed in, waiting for a grade" in shown
    assert "work.pdf" in shown


def test_a_refused_file_on_the_page_keeps_the_text_typed(client, task, learner):
    client.force_login(learner)
    response = client.post(
        reverse("assignments:detail", args=[task.pk]), {"text": "Kept words", "files": [pdf("x.exe", b"MZ")]}
    )
    assert response.status_code == 200
    assert "This file type is not allowed" in response.content.decode()
    assert "Kept words" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_learner_sees_a_grade_only_once_released(client, task, learner, teacher, api_client):
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    services.submission_grade(submission=submission, score=Decimal(17), feedback="Well argued", by=teacher, version=1)
    api_client.force_authenticate(learner)
    held = api_client.get(f"/api/v1/submissions/{submission.pk}/").json()
    assert (held["status"], held["final_score"], held["feedback_html"]) == ("submitted", None, None)
    client.force_login(learner)
    assert "Well argued" not in client.get(reverse("assignments:detail", args=[task.pk])).content.decode()
    api_client.force_authenticate(teacher)
    assert api_client.post(f"/api/v1/assignments/{task.pk}/release/").json() == {"released": 1}
    api_client.force_authenticate(learner)
    released = api_client.get(f"/api/v1/submissions/{submission.pk}/").json()
    assert (released["status"], released["final_score"]) == ("returned", "17.00")
    assert "Well argued" in client.get(reverse("assignments:detail", args=[task.pk])).content.decode()


def test_a_retried_hand_in_with_the_same_key_makes_one_submission(api_client, task, learner):
    api_client.force_authenticate(learner)
    url = f"/api/v1/assignments/{task.pk}/submissions/"
    first = api_client.post(url, {"text": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="hand-in-1")
    again = api_client.post(url, {"text": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="hand-in-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1


def test_files_are_handed_in_through_the_api_as_multipart(api_client, task, learner):
    api_client.force_authenticate(learner)
    response = api_client.post(
        f"/api/v1/assignments/{task.pk}/submissions/",
        {"text": "see file", "files": [pdf(), pdf("second.pdf")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert [f["name"] for f in response.json()["files"]] == ["work.pdf", "second.pdf"]
    download = api_client.get(response.json()["files"][0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("body", [{"text": "x" * 200_001}, {"text": ["a"]}, {"final": "maybe"}, {"text": "\x00"}])
def test_bad_hand_ins_are_400_with_the_field_named(api_client, task, learner, body):
    api_client.force_authenticate(learner)
    response = api_client.post(f"/api/v1/assignments/{task.pk}/submissions/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert not Submission.objects.filter(status="submitted").exists()


def test_grading_through_the_api_refuses_a_stale_version_with_409(api_client, task, learner, teacher):
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    api_client.force_authenticate(teacher)
    url = f"/api/v1/submissions/{submission.pk}/grade/"
    assert api_client.post(url, {"score": "12", "feedback": "ok", "version": 1}, format="json").status_code == 200
    stale = api_client.post(url, {"score": "3", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "edited_meanwhile"
    assert api_client.post(url, {"score": "21", "version": 2}, format="json").status_code == 400
    assert Submission.objects.get().score == Decimal(12)


@pytest.mark.parametrize("who", ["other_learner", "other_instructor"])
def test_a_submission_and_its_files_do_not_exist_for_others(client, api_client, task, learner, who):
    submission, _ = services.submission_save(user=learner, assignment=task, text="mine", files=[pdf()])
    stranger = learner_of(task.course) if who == "other_learner" else InstructorFactory()
    file_id = submission.files.get().pk
    api_client.force_authenticate(stranger)
    assert api_client.get(f"/api/v1/submissions/{submission.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/submissions/{submission.pk}/files/{file_id}/").status_code == 404
    assert (
        api_client.post(
            f"/api/v1/submissions/{submission.pk}/grade/", {"score": 1, "version": 1}, format="json"
        ).status_code
        == 404
    )
    client.force_login(stranger)
    assert client.get(reverse("assignments:file", args=[submission.pk, file_id])).status_code == 404
    assert api_client.post(f"/api/v1/assignments/{task.pk}/release/").status_code == 403


def test_the_teacher_lists_everyone_s_work_and_a_learner_only_their_own(api_client, task, learner, teacher):
    services.submission_save(user=learner, assignment=task, text="a")
    services.submission_save(user=learner_of(task.course), assignment=task, text="b")
    api_client.force_authenticate(teacher)
    assert api_client.get(f"/api/v1/assignments/{task.pk}/submissions/").json()["count"] == 2
    api_client.force_authenticate(learner)
    assert api_client.get(f"/api/v1/assignments/{task.pk}/submissions/").json()["count"] == 1


def test_the_grader_grades_and_goes_to_the_next_ungraded(client, task, teacher):
    first, _ = services.submission_save(user=learner_of(task.course), assignment=task, text="first", files=[pdf()])
    second, _ = services.submission_save(user=learner_of(task.course), assignment=task, text="second")
    client.force_login(teacher)
    page = client.get(reverse("admin:assignments_submission_grade", args=[first.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "first" in html and "work.pdf" in html and "?inline=1" in html
    response = client.post(
        reverse("admin:assignments_submission_grade", args=[first.pk]),
        {"score": "15", "feedback": "Good", "version": 1, "_next": "1"},
    )
    assert response["Location"] == reverse("admin:assignments_submission_grade", args=[second.pk])
    first.refresh_from_db()
    assert (first.status, first.score) == ("graded", Decimal(15))
    stale = client.post(reverse("admin:assignments_submission_grade", args=[first.pk]), {"score": "2", "version": 1})
    assert stale.status_code == 200
    assert "This work changed while you were looking at it" in stale.content.decode()
    assert Submission.objects.get(pk=first.pk).score == Decimal(15)


def test_the_grader_of_another_instructor_s_submission_does_not_exist(client, task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="x")
    client.force_login(InstructorFactory())
    assert client.get(reverse("admin:assignments_submission_grade", args=[submission.pk])).status_code == 404


def test_a_pdf_is_shown_inline_in_the_grader_and_downloaded_elsewhere(client, task, learner, teacher):
    submission, _ = services.submission_save(user=learner, assignment=task, text="x", files=[pdf()])
    client.force_login(teacher)
    url = reverse("assignments:file", args=[submission.pk, submission.files.get().pk])
    assert client.get(url)["Content-Disposition"].startswith("attachment")
    inline = client.get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline") and inline["Content-Type"] == "application/pdf"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel requests need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_parallel_hand_ins_by_one_learner_make_one_submission():
    from django.db import connections
    from rest_framework.test import APIClient

    task = assignment(due_at=due_in(2))
    learner = learner_of(task.course)
    barrier, statuses = threading.Barrier(4), []

    def hand_in(i):
        client = APIClient()
        client.force_authenticate(learner)
        barrier.wait()
        statuses.append(
            client.post(f"/api/v1/assignments/{task.pk}/submissions/", {"text": f"v{i}"}, format="json").status_code
        )
        connections.close_all()

    threads = [threading.Thread(target=hand_in, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses)[0] in (200, 201) and set(statuses) <= {200, 201, 409}
    assert Submission.objects.filter(assignment=task, user=learner).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_graders_at_once_one_wins_the_other_gets_409():
    from django.db import connections
    from rest_framework.test import APIClient

    task = assignment(due_at=due_in(2))
    learner = learner_of(task.course)
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    graders = [task.course.instructors.first(), InstructorFactory()]
    task.course.instructors.add(graders[1])
    barrier, statuses = threading.Barrier(2), []

    def grade(user, score):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        statuses.append(
            client.post(
                f"/api/v1/submissions/{submission.pk}/grade/", {"score": score, "version": 1}, format="json"
            ).status_code
        )
        connections.close_all()

    threads = [threading.Thread(target=grade, args=(g, s)) for g, s in zip(graders, ("10", "5"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409]
    assert Submission.objects.get(pk=submission.pk).version == 2


def test_anonymous_visitors_read_the_assignment_but_hand_in_nothing(client, task):
    response = client.get(reverse("assignments:detail", args=[task.pk]))
    assert "Log in to hand in your work" in response.content.decode()
    response = client.post(reverse("assignments:detail", args=[task.pk]), {"text": "x"})
    assert response.status_code == 302
    assert not Submission.objects.exists()


@pytest.mark.parametrize("count", [1, 8])
def test_a_course_lists_its_assignments_with_each_learners_own_due_date(
    api_client, task, learner, teacher, count, django_assert_max_num_queries
):
    for n in range(count - 1):
        assignment(course=task.course, title=f"Task {n}", due_at=due_in(3))
    services.extension_grant(assignment=task, user=learner, due_at=due_in(9), by=teacher)
    api_client.force_authenticate(learner)
    url = f"/api/v1/courses/{task.course.slug}/assignments/"
    api_client.get(url)
    with django_assert_max_num_queries(6):  # the same for 1 or 8
        body = api_client.get(url).json()
    assert body["count"] == count
    own = next(a for a in body["results"] if a["id"] == task.pk)
    assert own["your_due_at"] > own["due_at"]  # the extension
    api_client.force_authenticate(None)
    assert api_client.get(url).json()["count"] == count  # a published course's, to anyone
    assert api_client.get("/api/v1/courses/no-such-course/assignments/").status_code == 404


def test_files_returned_with_the_feedback_reach_the_learner_only_once_released(
    client, api_client, task, learner, teacher
):
    submission, _ = services.submission_save(user=learner, assignment=task, text="essay")
    client.force_login(teacher)
    url = f"/admin/assignments/submission/{submission.pk}/grade/"
    marked = pdf("marked.pdf", b"%PDF-1.4\n% marked up\n")
    response = client.post(url, {"score": "15", "feedback": "See the notes.", "version": "1", "feedback_files": marked})
    assert response.status_code == 302
    returned = submission.feedback_files.get()
    assert returned.original_name == "marked.pdf"
    page = f"/submissions/{submission.pk}/feedback/{returned.pk}/"
    api = f"/api/v1/submissions/{submission.pk}/feedback-files/{returned.pk}/"
    client.force_login(learner)
    assert client.get(page).status_code == 404  # held: the manual release policy
    api_client.force_authenticate(learner)
    assert api_client.get(f"/api/v1/submissions/{submission.pk}/").json()["feedback_files"] == []
    services.grades_release(assignment=task)
    assert client.get(page).status_code == 200
    assert "marked.pdf" in client.get(f"/assignments/{task.pk}/").content.decode()
    listed = api_client.get(f"/api/v1/submissions/{submission.pk}/").json()["feedback_files"]
    assert [f["name"] for f in listed] == ["marked.pdf"] and listed[0]["download_url"] == api
    assert api_client.get(api).status_code == 200
    api_client.force_authenticate(learner_of(task.course))
    assert api_client.get(api).status_code == 404


def test_a_returned_file_of_a_refused_type_is_refused_by_field_and_can_be_taken_away(client, task, learner, teacher):
    submission, _ = services.submission_save(user=learner, assignment=task, text="essay")
    client.force_login(teacher)
    url = f"/admin/assignments/submission/{submission.pk}/grade/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("notes.html", b"<script>alert(1)</script>", content_type="text/html")
    refused = client.post(url, {"score": "15", "version": "1", "feedback_files": bad})
    assert refused.status_code == 200 and not submission.feedback_files.exists()
    client.post(url, {"score": "15", "version": "1", "feedback_files": pdf("a.pdf")})
    kept = submission.feedback_files.get()
    client.post(url, {"score": "16", "version": "2", "remove_feedback_files": str(kept.pk)})
    assert not submission.feedback_files.exists()
