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
from grades.models import Category, Gradebook, ItemSetting, ManualItem, Override
from lms.exceptions import ApplicationError, ConflictError
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
    services.item_setting_set(
        course=course, item_key=f"quiz:{world['quiz'].pk}", category=None, extra_credit=False, locked=True,
        by=world["teacher"],
    )  # fmt: skip
    # The items (4), categories, the page's learners and count, attempts, submissions,
    # overrides and the locked item's frozen cells: 12, for any page.
    with django_assert_max_num_queries(12):
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


def _manual(course, title, points):
    return ManualItem.objects.create(course=course, title=title, points=Decimal(points))


def _set(world, item, percent):
    services.override_set(
        course=world["course"], user=world["learner"], item_key=item if isinstance(item, str) else f"manual:{item.pk}",
        percent=Decimal(percent), reason="r", by=world["teacher"],
    )  # fmt: skip


def _count(world, item, **how):
    key = item if isinstance(item, str) else f"manual:{item.pk}"
    defaults = {"category": None, "extra_credit": False, "locked": False}
    return services.item_setting_set(course=world["course"], item_key=key, by=world["teacher"], **{**defaults, **how})


def _grade(world):
    return selectors.learner_grades(world["learner"], world["course"])[1]


def test_weighted_categories_make_the_course_grade_and_the_rest_weighs_what_is_left(world):
    course = world["course"]
    exams = Category.objects.create(course=course, title="Exams", weight=Decimal(60))
    homework = Category.objects.create(course=course, title="Homework", weight=Decimal(30))
    exam, hw, other = _manual(course, "Exam", 100), _manual(course, "HW", 10), _manual(course, "Talk", 5)
    _count(world, exam, category=exams)
    _count(world, hw, category=homework)
    _set(world, exam, 50)
    _set(world, hw, 100)
    _set(world, other, 0)  # in no category: weighs the 10 % left
    row = _grade(world)
    assert row.categories == {exams.pk: Decimal("50.00"), homework.pk: Decimal("100.00")}
    assert row.percent == Decimal("60.00")  # (60 x 50 + 30 x 100 + 10 x 0) / 100


def test_a_category_with_no_grade_yet_is_left_out_of_the_weights(world):
    course = world["course"]
    exams = Category.objects.create(course=course, title="Exams", weight=Decimal(70))
    homework = Category.objects.create(course=course, title="Homework", weight=Decimal(30))
    _count(world, _manual(course, "Exam", 100), category=exams)  # not graded yet
    hw = _manual(course, "HW", 10)
    _count(world, hw, category=homework)
    _set(world, hw, 80)
    assert _grade(world).percent == Decimal("80.00")


def test_the_lowest_grades_of_a_category_are_dropped_one_kept_at_least(world):
    course = world["course"]
    quizzes = Category.objects.create(course=course, title="Weekly", drop_lowest=5)
    items = [_manual(course, f"Week {n}", 10) for n in range(3)]
    for item, percent in zip(items, (20, 90, 60), strict=True):
        _count(world, item, category=quizzes)
        _set(world, item, percent)
    row = _grade(world)
    assert row.categories[quizzes.pk] == Decimal("90.00")  # only the best kept
    assert [row.cells[f"manual:{i.pk}"].dropped for i in items] == [True, False, True]


def test_extra_credit_adds_points_earned_and_none_possible(world):
    course = world["course"]
    base, bonus = _manual(course, "Exam", 100), _manual(course, "Bonus", 10)
    _count(world, bonus, extra_credit=True)
    _set(world, base, 80)
    _set(world, bonus, 100)
    assert _grade(world).percent == Decimal("90.00")  # (80 + 10) / 100


def test_a_locked_item_keeps_its_grades_whatever_happens_after(world):
    key = f"quiz:{world['quiz'].pk}"
    _attempt(world["quiz"], world["learner"], 1, 40)
    _count(world, key, locked=True)
    _attempt(world["quiz"], world["learner"], 2, 100)  # a better attempt after the lock
    assert _grade(world).cells[key].percent == Decimal(40)
    with pytest.raises(ConflictError) as refused:
        _set(world, key, 95)
    assert refused.value.code == "item_locked"
    _count(world, key, locked=False)
    assert _grade(world).cells[key].percent == Decimal(100)  # unlocked: it follows the grades again


def test_weights_above_100_are_refused_in_the_admin_on_their_field(client, world):
    course = world["course"]
    Category.objects.create(course=course, title="Exams", weight=Decimal(80))
    client.force_login(world["teacher"])
    response = client.post(
        "/admin/grades/category/add/", {"course": course.pk, "title": "More", "weight": "30", "drop_lowest": "0"}
    )
    assert response.status_code == 200 and "more than 100" in response.content.decode()
    assert Category.objects.count() == 1


def test_an_item_is_put_in_a_category_and_locked_from_the_grid(client, world):
    course = world["course"]
    exams = Category.objects.create(course=course, title="Exams", weight=Decimal(50))
    key = f"quiz:{world['quiz'].pk}"
    client.force_login(world["teacher"])
    grid = client.get(f"/admin/grades/gradebook/course/{course.pk}/").content.decode()
    url = f"/admin/grades/gradebook/course/{course.pk}/item/{key}/"
    assert url in grid and "Exams" in grid
    assert client.post(url, {"category": exams.pk, "locked": "on"}).status_code == 302
    setting = ItemSetting.objects.get(item_key=key)
    assert setting.category == exams and setting.locked_at is not None and setting.locked_by == world["teacher"]
    other_course = published_course(instructor=world["teacher"])
    foreign = Category.objects.create(course=other_course, title="Theirs")
    refused = client.post(url, {"category": foreign.pk})
    assert refused.status_code == 200 and ItemSetting.objects.get(item_key=key).category == exams
    client.force_login(InstructorFactory())
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/grades/gradebook/course/{course.pk}/item/quiz:0/").status_code == 404


@pytest.mark.parametrize("extra_items", [0, 12])
def test_the_learners_grades_page_costs_the_same_for_any_number_of_items(
    client, world, extra_items, django_assert_max_num_queries
):
    course = world["course"]
    category = Category.objects.create(course=course, title="All", weight=Decimal(50), drop_lowest=1)
    for n in range(extra_items):
        item = _manual(course, f"Item {n}", 10)
        _count(world, item, category=category, locked=n % 2 == 0)
        if n % 2:  # the others are locked
            _set(world, item, 50 + n)
    client.force_login(world["learner"])
    client.get(f"/courses/{course.slug}/grades/")  # the session and the catalog warm
    # The session, the enrolment, the course, the gradebook, items (4), categories twice,
    # attempts, submissions, overrides, frozen cells: 16 whatever the number of items.
    with django_assert_max_num_queries(16):
        page = client.get(f"/courses/{course.slug}/grades/")
    assert page.status_code == 200 and "By category" in page.content.decode()
    assert "weighs each category" in page.content.decode()  # the note says how a weighted grade is made
