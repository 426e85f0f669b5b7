"""The assignments admin as an instructor uses it: refusals shown on their field (never a
"saved" message for nothing saved), filters that name only one's own courses' work,
drafts left to their learner, and lists whose queries do not grow with their rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assignments import services
from assignments.models import Assignment, Extension, Submission
from assignments.tests.factories import assignment, due_in, learner_of
from quizzes.tests.factories import published_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return assignment(due_at=due_in(2), title="Mine")


@pytest.fixture
def teacher(task):
    return task.course.instructors.first()


def _form(task, **changes) -> dict:
    data = {
        "title": task.title, "module": task.module_id, "instructions": "", "points": "20", "accept_text": "on",
        "accept_files": "on", "max_files": "2", "max_file_mb": "10", "max_submissions": "1",
        "opens_at_0": "", "opens_at_1": "", "due_at_0": "", "due_at_1": "", "cutoff_at_0": "", "cutoff_at_1": "",
        "late_policy": task.late_policy, "late_penalty_percent": "0", "late_penalty_cap_percent": "100",
        "pass_percent": "50", "release_policy": task.release_policy,
    }  # fmt: skip
    data.update(changes)
    return data


def test_moving_an_assignment_to_another_course_is_refused_on_its_field(client, task, teacher):
    other = published_course(instructor=teacher)
    client.force_login(teacher)
    response = client.post(
        f"/admin/assignments/assignment/{task.pk}/change/", _form(task, module=other.modules.first().pk)
    )
    assert response.status_code == 200
    assert "stays in its course" in response.content.decode()
    assert "was changed successfully" not in response.content.decode()
    task.refresh_from_db()
    assert task.module.course_id == task.course_id


def test_an_extension_for_someone_not_in_the_course_is_refused_on_its_field(client, task, teacher):
    outsider = learner_of(published_course())
    client.force_login(teacher)
    response = client.post(
        "/admin/assignments/extension/add/",
        {"assignment": task.pk, "user": outsider.pk, "due_at_0": "2030-01-01", "due_at_1": "10:00", "reason": "x"},
    )
    assert response.status_code == 200 and not Extension.objects.exists()


def test_an_extension_keeps_its_learner_and_assignment_once_granted(client, task, teacher):
    learner, other = learner_of(task.course), learner_of(task.course)
    extension = services.extension_grant(assignment=task, user=learner, due_at=due_in(5), by=teacher)
    client.force_login(teacher)
    page = client.get(f"/admin/assignments/extension/{extension.pk}/change/").content.decode()
    assert 'name="user"' not in page and 'name="assignment"' not in page
    when = timezone.localtime(timezone.now() + timedelta(days=9))
    response = client.post(
        f"/admin/assignments/extension/{extension.pk}/change/",
        {"user": other.pk, "due_at_0": when.strftime("%Y-%m-%d"), "due_at_1": when.strftime("%H:%M:%S"), "reason": "r"},
    )
    assert response.status_code == 302
    assert list(Extension.objects.values_list("user_id", flat=True)) == [learner.pk]  # not moved, not duplicated
    assert Extension.objects.get().due_at.date() == when.date()


def test_the_submissions_filter_names_only_the_assignments_one_teaches(client, task, teacher):
    someone_elses = assignment(title="Someone else's secret exam")
    services.submission_save(user=learner_of(someone_elses.course), assignment=someone_elses, text="x")
    services.submission_save(user=learner_of(task.course), assignment=task, text="y")
    client.force_login(teacher)
    page = client.get("/admin/assignments/submission/").content.decode()
    assert "Mine" in page and "secret exam" not in page


def test_a_draft_is_the_learners_until_handed_in(client, api_client, task, teacher):
    learner = learner_of(task.course)
    draft, _ = services.submission_save(user=learner, assignment=task, text="not ready", final=False)
    client.force_login(teacher)
    assert "not ready" not in client.get("/admin/assignments/submission/").content.decode()
    assert client.get(f"/admin/assignments/submission/{draft.pk}/grade/").status_code == 404
    api_client.force_authenticate(teacher)
    assert api_client.get(f"/api/v1/submissions/{draft.pk}/").status_code == 404
    api_client.force_authenticate(learner)
    assert api_client.get(f"/api/v1/submissions/{draft.pk}/").json()["text"] == "not ready"


@pytest.mark.parametrize("rows", [2, 12])
def test_the_assignment_list_counts_waiting_work_in_its_own_query(
    client, teacher, task, rows, django_assert_max_num_queries
):
    for i in range(rows - 1):
        extra = assignment(course=task.course, title=f"Task {i}", due_at=due_in(3))
        services.submission_save(user=learner_of(task.course), assignment=extra, text="w")
    client.force_login(teacher)
    client.get("/admin/assignments/assignment/")  # warm the session and the admin's own caches
    with django_assert_max_num_queries(7):
        page = client.get("/admin/assignments/assignment/")
    assert page.status_code == 200 and Assignment.objects.count() == rows


@pytest.mark.parametrize("rows", [2, 12])
def test_the_teachers_list_in_the_api_costs_the_same_for_any_page(
    api_client, teacher, task, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        services.submission_save(user=learner_of(task.course), assignment=task, text="w")
    api_client.force_authenticate(teacher)
    with django_assert_max_num_queries(6):  # the files and the feedback files prefetched
        body = api_client.get(f"/api/v1/assignments/{task.pk}/submissions/").json()
    assert body["count"] == rows == Submission.objects.count()
