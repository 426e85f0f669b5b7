"""The gradebook: items, the natural course grade, quiz policies, held assignment grades,
cells set by hand with a reason, the learner's page and API, the teachers' grid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from assignments import services as assignment_services
from assignments.models import Assignment
from courses.tests.factories import InstructorFactory
from enrollments import services as enrollment_services
from grades import selectors, services
from grades.models import Gradebook, ManualItem, Override
from lms.exceptions import ApplicationError
from quizzes.models import Attempt, Quiz
from quizzes.tests.factories import published_course, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    teacher = InstructorFactory()
    course = published_course(instructor=teacher)
    quiz = Quiz.objects.create(module=course.modules.first(), title="Quiz", max_attempts=0)
    single(quiz, points=10)  # 10 points
    task = Assignment.objects.create(module=course.modules.first(), title="Essay", points=30)
    learner = UserFactory(first_name="Ann", last_name="Able")
    enrollment_services.enrollment_create(user=learner, course=course)
    return {"teacher": teacher, "course": course, "quiz": quiz, "task": task, "learner": learner}


def _attempt(quiz, user, number, percent):
    now = timezone.now() + timedelta(minutes=number)
    Attempt.objects.create(
        quiz=quiz, user=user, number=number, status="submitted", counts=True, started_at=now, submitted_at=now,
        score=percent / 10, max_score=10, percent=Decimal(percent), passed=percent >= 50,
    )  # fmt: skip


def _graded(world, score, *, release=True):
    task = world["task"]
    if not release:
        task.release_policy = Assignment.Release.MANUAL
        task.save()
    submission, _ = assignment_services.submission_save(user=world["learner"], assignment=task, text="work")
    return assignment_services.submission_grade(
        submission=submission, score=Decimal(score), feedback="", by=world["teacher"], version=1
    )


def test_the_course_grade_is_points_earned_over_the_points_of_graded_items(world):
    _attempt(world["quiz"], world["learner"], 1, 80)  # 8 of 10
    _graded(world, 15)  # 15 of 30
    items, row = selectors.learner_grades(world["learner"], world["course"])
    assert [i.key for i in items] == [f"quiz:{world['quiz'].pk}", f"assignment:{world['task'].pk}"]
    assert row.percent == Decimal("57.50")  # 23 / 40
    assert row.letter == "F"


def test_ungraded_items_are_left_out_not_counted_as_zero(world):
    _attempt(world["quiz"], world["learner"], 1, 90)
    _items, row = selectors.learner_grades(world["learner"], world["course"])
    assert row.percent == Decimal("90.00") and row.letter == "A"


@pytest.mark.parametrize("policy, expected", [("best", "80.00"), ("last", "40.00"), ("average", "60.00")])
def test_a_quiz_counts_its_best_last_or_average_attempt(world, policy, expected):
    _attempt(world["quiz"], world["learner"], 1, 80)
    _attempt(world["quiz"], world["learner"], 2, 40)
    services.gradebook_update(course=world["course"], data={"quiz_policy": policy})
    _items, row = selectors.learner_grades(world["learner"], world["course"])
    assert row.cells[f"quiz:{world['quiz'].pk}"].percent == Decimal(expected)


def test_a_held_assignment_grade_is_in_the_teachers_grid_not_the_learners_page(world):
    _graded(world, 30, release=False)
    key = f"assignment:{world['task'].pk}"
    _items, mine = selectors.learner_grades(world["learner"], world["course"])
    assert mine.cells[key].percent is None
    grid = selectors.grid(world["course"])
    assert grid.rows[0].cells[key].percent == Decimal("100.00")


def test_a_cell_set_by_hand_wins_needs_a_reason_and_is_recorded(world):
    _attempt(world["quiz"], world["learner"], 1, 20)
    key = f"quiz:{world['quiz'].pk}"
    with pytest.raises(ApplicationError) as refused:
        services.override_set(
            course=world["course"],
            user=world["learner"],
            item_key=key,
            percent=Decimal(70),
            reason=" ",
            by=world["teacher"],
        )
    assert "reason" in refused.value.extra["errors"]
    services.override_set(
        course=world["course"],
        user=world["learner"],
        item_key=key,
        percent=Decimal(70),
        reason="Illness: oral exam",
        by=world["teacher"],
    )
    services.override_set(
        course=world["course"],
        user=world["learner"],
        item_key=key,
        percent=Decimal(75),
        reason="Regraded orally",
        by=world["teacher"],
    )
    _items, row = selectors.learner_grades(world["learner"], world["course"])
    assert row.cells[key] == selectors.Cell(Decimal("75.00"), overridden=True, reason="Regraded orally")
    override = Override.objects.get()
    assert [h.percent for h in override.history.order_by("history_id")] == [Decimal(70), Decimal(75)]
    services.override_set(
        course=world["course"], user=world["learner"], item_key=key, percent=None, reason="", by=world["teacher"]
    )
    assert not Override.objects.exists()


@pytest.mark.parametrize(
    "key, percent, field",
    [("quiz:999999", Decimal(50), "item"), ("nonsense", Decimal(50), "item"), ("quiz:{quiz}", Decimal(101), "percent"),
     ("quiz:{quiz}", Decimal(-1), "percent")],
)  # fmt: skip
def test_a_bad_cell_is_refused_with_the_field_named(world, key, percent, field):
    with pytest.raises(ApplicationError) as refused:
        services.override_set(
            course=world["course"], user=world["learner"], item_key=key.format(quiz=world["quiz"].pk), percent=percent,
            reason="why", by=world["teacher"],
        )  # fmt: skip
    assert field in refused.value.extra["errors"]


def test_a_manual_item_is_graded_by_hand_only(world):
    item = ManualItem.objects.create(course=world["course"], title="Participation", points=10)
    services.override_set(
        course=world["course"],
        user=world["learner"],
        item_key=f"manual:{item.pk}",
        percent=Decimal(100),
        reason="Always there",
        by=world["teacher"],
    )
    _items, row = selectors.learner_grades(world["learner"], world["course"])
    assert row.cells[f"manual:{item.pk}"].percent == Decimal(100)
    assert row.percent == Decimal("100.00")


def test_a_custom_letter_scale_is_used(world):
    _attempt(world["quiz"], world["learner"], 1, 72)
    services.gradebook_update(course=world["course"], data={"scale": [[70, "Pass"], [0, "Fail"]]})
    assert selectors.learner_grades(world["learner"], world["course"])[1].letter == "Pass"
    with pytest.raises(ApplicationError):
        services.gradebook_update(course=world["course"], data={"scale": [[200, "X"]]})
    assert Gradebook.objects.get().scale == [[70, "Pass"], [0, "Fail"]]


def test_the_grid_reads_a_page_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    course = world["course"]
    for i in range(60):
        user = UserFactory(last_name=f"L{i:02d}")
        enrollment_services.enrollment_create(user=user, course=course)
        _attempt(world["quiz"], user, 1, i)
    with django_assert_max_num_queries(9):
        grid = selectors.grid(course, page=1)
    assert (grid.count, grid.pages, len(grid.rows)) == (61, 2, 50)
    assert len(selectors.grid(course, search="L05").rows) == 1


def test_the_learner_page_and_api_show_their_own_grades_only(client, api_client, world):
    _attempt(world["quiz"], world["learner"], 1, 80)
    client.force_login(world["learner"])
    page = client.get(f"/courses/{world['course'].slug}/grades/")
    assert page.status_code == 200 and "80" in page.content.decode()
    api_client.force_authenticate(world["learner"])
    mine = api_client.get(f"/api/v1/courses/{world['course'].slug}/grades/me/").json()
    assert mine["grades"]["percent"] == "80.00"
    assert api_client.get(f"/api/v1/courses/{world['course'].slug}/grades/").status_code == 403
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(f"/courses/{world['course'].slug}/grades/").status_code == 404


def test_the_teachers_grid_in_the_api_and_the_admin(client, api_client, world):
    _attempt(world["quiz"], world["learner"], 1, 80)
    api_client.force_authenticate(world["teacher"])
    grid = api_client.get(f"/api/v1/courses/{world['course'].slug}/grades/").json()
    assert grid["count"] == 1 and grid["results"][0]["percent"] == "80.00"
    client.force_login(world["teacher"])
    page = client.get(f"/admin/grades/gradebook/course/{world['course'].pk}/")
    assert page.status_code == 200 and "Ann Able" in page.content.decode()
    response = client.post(
        f"/admin/grades/gradebook/course/{world['course'].pk}/",
        {"user": world["learner"].pk, "item": f"quiz:{world['quiz'].pk}", "percent": "95", "reason": "Retake"},
    )
    assert response.status_code == 302
    assert Override.objects.get().percent == Decimal(95)
    for bad in ({"percent": "abc"}, {"percent": "NaN"}, {"user": "x"}, {"item": "quiz:0"}):
        data = {"user": world["learner"].pk, "item": f"quiz:{world['quiz'].pk}", "percent": "50", "reason": "r", **bad}
        assert client.post(f"/admin/grades/gradebook/course/{world['course'].pk}/", data).status_code == 302
    assert Override.objects.get().percent == Decimal(95)
    client.force_login(InstructorFactory())
    assert client.get(f"/admin/grades/gradebook/course/{world['course'].pk}/").status_code == 404


def test_a_cell_of_the_grid_opens_the_hand_set_form_on_that_learner_and_item(client, world):
    client.force_login(world["teacher"])
    url = f"/admin/grades/gradebook/course/{world['course'].pk}/"
    page = client.get(url).content.decode()
    key = f"quiz:{world['quiz'].pk}"
    assert f"user={world['learner'].pk}&amp;item={key}#set-grade" in page
    assert "Quiz · 10 pts" in page  # the kind is a word, not a code
    picked = client.get(url, {"user": world["learner"].pk, "item": key}).content.decode()
    assert f'<option value="{key}" selected>' in picked
    assert f'<option value="{world["learner"].pk}" selected>' in picked
