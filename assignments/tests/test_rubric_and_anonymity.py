"""A rubric makes the score (a level picked in each criterion, their points' sum, counted
by the server), typed one criterion a line in the admin; anonymous grading shows graders a
number, not a name, until the grades are released."""

from decimal import Decimal

import pytest

from assignments import selectors, services
from assignments.models import Assignment
from assignments.tests.factories import assignment, due_in, learner_of
from lms.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

RUBRIC = [
    {"title": "Argument", "levels": [{"label": "Weak", "points": "4"}, {"label": "Clear", "points": "10"}]},
    {"title": "Sources", "levels": [{"label": "None", "points": "0"}, {"label": "Cited", "points": "10"}]},
]


@pytest.fixture
def task():
    return assignment(due_at=due_in(2), rubric=RUBRIC)


@pytest.fixture
def teacher(task):
    return task.course.instructors.first()


def _handed_in(task):
    return services.submission_save(user=learner_of(task.course), assignment=task, text="essay")[0]


def test_the_levels_picked_make_the_score_whatever_score_is_sent(task, teacher):
    graded = services.submission_grade(
        submission=_handed_in(task), score=Decimal(20), feedback="", by=teacher, version=1, rubric={"0": 1, "1": 0}
    )
    assert (graded.score, graded.rubric_choices) == (Decimal(10), {"0": 1, "1": 0})
    assert graded.rubric_lines == [("Argument", "Clear", Decimal(10)), ("Sources", "None", Decimal(0))]


@pytest.mark.parametrize("choices", [{"0": 1}, {"0": 1, "1": 5}, {"0": "x", "1": 0}, None])
def test_a_criterion_left_out_or_a_level_that_does_not_exist_is_refused_by_name(task, teacher, choices):
    with pytest.raises(ApplicationError) as refused:
        services.submission_grade(
            submission=_handed_in(task), score=None, feedback="", by=teacher, version=1, rubric=choices
        )
    assert set(refused.value.extra["errors"]) & {"rubric_0", "rubric_1"}


@pytest.mark.parametrize(
    "rubric, problem",
    [
        ([{"title": "A", "levels": [{"label": "x", "points": "5"}, {"label": "y", "points": "8"}]}], "add up to 8"),
        ([{"title": "A", "levels": [{"label": "x", "points": "20"}]}], "two levels"),
        ([{"title": "", "levels": [{"label": "x", "points": "0"}, {"label": "y", "points": "20"}]}], "two levels"),
        ([{"title": "A", "levels": [{"label": "x", "points": "-1"}, {"label": "y", "points": "20"}]}], "0 or more"),
        ([{"nope": 1}], "two levels"),
    ],
)
def test_a_rubric_that_cannot_grade_the_assignment_is_refused(rubric, problem):
    from django.core.exceptions import ValidationError

    task = Assignment(module=assignment().module, title="T", points=20, rubric=rubric)
    with pytest.raises(ValidationError) as refused:
        task.full_clean(exclude=["course"])
    assert problem in " ".join(refused.value.message_dict["rubric"])


def test_the_admin_takes_a_rubric_one_criterion_a_line_and_shows_it_back(client, task, teacher):
    from assignments.admin import RubricField

    field = RubricField(required=False)
    typed = "Argument: Weak = 4 | Clear = 10\nSources: None = 0 | Cited = 10"
    assert field.clean(typed) == [
        {"title": "Argument", "levels": [{"label": "Weak", "points": "4"}, {"label": "Clear", "points": "10"}]},
        {"title": "Sources", "levels": [{"label": "None", "points": "0"}, {"label": "Cited", "points": "10"}]},
    ]
    assert field.prepare_value(field.clean(typed)) == typed
    for bad in ("Argument Weak 4", "Argument: Weak = four | Clear = 10", "Argument: Weak = 4", "A: = 3 | b = 4"):
        with pytest.raises(Exception) as refused:
            field.clean(bad)
        assert "Line 1" in str(refused.value)
    client.force_login(teacher)
    page = client.get(f"/admin/assignments/assignment/{task.pk}/change/").content.decode()
    assert "Argument: Weak = 4 | Clear = 10" in page


def test_the_grader_picks_levels_and_the_api_takes_them_too(client, api_client, task, teacher):
    submission = _handed_in(task)
    client.force_login(teacher)
    url = f"/admin/assignments/submission/{submission.pk}/grade/"
    page = client.get(url).content.decode()
    assert "<legend" in page and "Clear (10 pts)" in page
    refused = client.post(url, {"rubric_0": "1", "feedback": "", "version": "1"})
    assert refused.status_code == 200 and "Sources" in refused.content.decode()
    assert client.post(url, {"rubric_0": "1", "rubric_1": "1", "feedback": "", "version": "1"}).status_code == 302
    submission.refresh_from_db()
    assert submission.score == Decimal(20)

    api_client.force_authenticate(teacher)
    response = api_client.post(
        f"/api/v1/submissions/{submission.pk}/grade/", {"rubric": {"0": 0, "1": 1}, "version": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["score"], response.json()["rubric_choices"]) == ("14.00", {"0": 0, "1": 1})


def test_without_a_rubric_the_api_needs_a_score(api_client):
    task = assignment(due_at=due_in(2))
    submission = _handed_in(task)
    api_client.force_authenticate(task.course.instructors.first())
    response = api_client.post(f"/api/v1/submissions/{submission.pk}/grade/", {"version": 1}, format="json")
    assert response.status_code == 400 and "score" in response.json()["errors"]


def test_anonymous_grading_shows_a_number_until_the_grades_are_released(client):
    task = assignment(due_at=due_in(2), anonymous_grading=True, release_policy="manual")
    learner = learner_of(task.course)
    learner.first_name, learner.last_name = "Zelda", "Secret"
    learner.save()
    submission, _ = services.submission_save(user=learner, assignment=task, text="essay")
    teacher = task.course.instructors.first()
    label = selectors.learner_label(submission)
    assert label.startswith("Learner ") and label == selectors.learner_label(submission)  # stable
    client.force_login(teacher)
    grader = client.get(f"/admin/assignments/submission/{submission.pk}/grade/").content.decode()
    listing = client.get("/admin/assignments/submission/").content.decode()
    for page in (grader, listing):
        assert label in page and "Zelda" not in page and learner.email not in page
    searched = client.get("/admin/assignments/submission/", {"q": "Zelda"}).content.decode()
    assert label not in searched  # a name search would tell who the number is
    services.submission_grade(submission=submission, score=Decimal(10), feedback="", by=teacher, version=1)
    services.grades_release(assignment=task)
    assert "Zelda Secret" in client.get(f"/admin/assignments/submission/{submission.pk}/grade/").content.decode()
