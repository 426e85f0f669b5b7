"""Modules and lessons through the API: change, delete, reorder, move, with the admin's
rules (courses.services) and the course's scope."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from courses.models import Lesson, Module
from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    owner = InstructorFactory()
    course = CourseFactory(status="published")
    course.instructors.add(owner)
    modules = [ModuleFactory(course=course, position=i + 1, title=f"M{i + 1}") for i in range(3)]
    lessons = [LessonFactory(module=modules[0], position=i + 1, title=f"L{i + 1}") for i in range(3)]
    return {"owner": owner, "course": course, "modules": modules, "lessons": lessons}


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _module_order(course):
    return list(course.modules.order_by("position", "id").values_list("pk", flat=True))


def test_modules_are_put_in_the_order_given_in_one_request(api_client, built):
    m1, m2, m3 = built["modules"]
    response = _as(api_client, built["owner"]).put(
        f"/api/v1/courses/{built['course'].slug}/modules/order/", {"order": [m3.pk, m1.pk, m2.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [m["id"] for m in response.json()] == [m3.pk, m1.pk, m2.pk]
    assert _module_order(built["course"]) == [m3.pk, m1.pk, m2.pk]
    assert list(
        Module.objects.filter(pk__in=[m3.pk, m1.pk, m2.pk]).order_by("position").values_list("position", flat=True)
    ) == [1, 2, 3]


def test_reorder_is_recorded_in_history_with_who_moved_what(api_client, built):
    m1, m2, m3 = built["modules"]
    _as(api_client, built["owner"]).put(
        f"/api/v1/courses/{built['course'].slug}/modules/order/", {"order": [m2.pk, m1.pk, m3.pk]}, format="json"
    )
    latest = Module.history.filter(id=m2.pk).order_by("-history_id").first()
    assert latest.position == 1
    assert latest.history_user_id == built["owner"].pk
    # m3 did not move: no new version of it.
    assert Module.history.filter(id=m3.pk).count() == 1


@pytest.mark.parametrize(
    "order_of",
    [
        lambda m: [m[0].pk, m[1].pk],  # one missing
        lambda m: [m[0].pk, m[1].pk, m[2].pk, 999999],  # one unknown
        lambda m: [m[0].pk, m[0].pk, m[1].pk, m[2].pk],  # one repeated
        lambda m: [],
    ],
)
def test_an_order_that_does_not_list_each_module_once_is_refused_and_changes_nothing(api_client, built, order_of):
    before = _module_order(built["course"])
    response = _as(api_client, built["owner"]).put(
        f"/api/v1/courses/{built['course'].slug}/modules/order/", {"order": order_of(built["modules"])}, format="json"
    )
    assert response.status_code == 400
    assert "order" in response.json()["errors"]
    assert _module_order(built["course"]) == before


@pytest.mark.parametrize("body", [{"order": "1,2"}, {"order": [1, "x"]}, {"order": [0]}, {}, {"order": [[1]]}])
def test_a_malformed_order_is_a_400_with_the_field_named(api_client, built, body):
    response = _as(api_client, built["owner"]).put(
        f"/api/v1/courses/{built['course'].slug}/modules/order/", body, format="json"
    )
    assert response.status_code == 400
    assert "order" in response.json()["errors"]


def test_lessons_are_reordered_within_their_module(api_client, built):
    l1, l2, l3 = built["lessons"]
    module = built["modules"][0]
    response = _as(api_client, built["owner"]).put(
        f"/api/v1/modules/{module.pk}/lessons/order/", {"order": [l3.pk, l2.pk, l1.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [lesson["id"] for lesson in response.json()["lessons"]] == [l3.pk, l2.pk, l1.pk]


def test_a_lesson_of_another_module_cannot_be_slipped_into_an_order(api_client, built):
    l1, l2, l3 = built["lessons"]
    stranger = LessonFactory(module=built["modules"][1])
    response = _as(api_client, built["owner"]).put(
        f"/api/v1/modules/{built['modules'][0].pk}/lessons/order/",
        {"order": [l1.pk, l2.pk, l3.pk, stranger.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert Lesson.objects.get(pk=stranger.pk).module_id == built["modules"][1].pk


def test_a_lesson_moves_to_another_module_of_its_course_at_the_end(api_client, built):
    target = built["modules"][1]
    LessonFactory(module=target, position=4)
    lesson = built["lessons"][0]
    response = _as(api_client, built["owner"]).patch(
        f"/api/v1/lessons/{lesson.pk}/", {"module": target.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    lesson.refresh_from_db()
    assert (lesson.module_id, lesson.course_id, lesson.position) == (target.pk, built["course"].pk, 5)


def test_a_lesson_cannot_move_to_a_module_of_another_course(api_client, built):
    elsewhere = ModuleFactory(course=CourseFactory())
    elsewhere.course.instructors.add(built["owner"])  # even one the same instructor teaches
    lesson = built["lessons"][0]
    response = _as(api_client, built["owner"]).patch(
        f"/api/v1/lessons/{lesson.pk}/", {"module": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert "module" in response.json()["errors"]
    assert Lesson.objects.get(pk=lesson.pk).module_id == built["modules"][0].pk


def test_a_module_is_renamed_and_then_deleted_with_its_lessons(api_client, built):
    module = built["modules"][0]
    client = _as(api_client, built["owner"])
    response = client.patch(f"/api/v1/modules/{module.pk}/", {"title": "Basics"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Basics"
    assert client.delete(f"/api/v1/modules/{module.pk}/").status_code == 204
    assert not Module.objects.filter(pk=module.pk).exists()
    assert not Lesson.objects.filter(module_id=module.pk).exists()


def test_a_module_or_lesson_with_a_quiz_is_not_deleted_409(api_client, built):
    module, lesson = built["modules"][0], built["lessons"][1]
    Quiz.objects.create(lesson=lesson, title="Check")
    client = _as(api_client, built["owner"])
    for url in (f"/api/v1/modules/{module.pk}/", f"/api/v1/lessons/{lesson.pk}/"):
        response = client.delete(url)
        assert response.status_code == 409, url
        assert response.json()["code"] == "has_dependents"
    assert Lesson.objects.filter(module=module).count() == 3


def test_deleting_a_lesson_removes_it_from_the_outline(api_client, built):
    lesson = built["lessons"][0]
    client = _as(api_client, built["owner"])
    assert client.delete(f"/api/v1/lessons/{lesson.pk}/").status_code == 204
    modules = client.get(f"/api/v1/courses/{built['course'].slug}/modules/").json()
    assert lesson.pk not in [item["id"] for m in modules for item in m["lessons"]]


@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_people_who_do_not_teach_the_course_change_nothing(api_client, built, who):
    user = UserFactory() if who == "learner" else InstructorFactory()
    m1, m2, m3 = built["modules"]
    lesson = built["lessons"][0]
    client = _as(api_client, user)
    calls = [
        client.put(
            f"/api/v1/courses/{built['course'].slug}/modules/order/", {"order": [m3.pk, m2.pk, m1.pk]}, format="json"
        ),
        client.put(f"/api/v1/modules/{m1.pk}/lessons/order/", {"order": [lesson.pk]}, format="json"),
        client.patch(f"/api/v1/modules/{m1.pk}/", {"title": "x"}, format="json"),
        client.delete(f"/api/v1/modules/{m1.pk}/"),
        client.patch(f"/api/v1/lessons/{lesson.pk}/", {"module": m2.pk}, format="json"),
        client.delete(f"/api/v1/lessons/{lesson.pk}/"),
    ]
    # The course is published: they can see it, so 403 (a draft would be 404).
    assert [c.status_code for c in calls] == [403] * 6
    assert _module_order(built["course"]) == [m1.pk, m2.pk, m3.pk]
    assert Lesson.objects.get(pk=lesson.pk).module_id == m1.pk


def test_a_draft_course_s_modules_do_not_exist_for_others(api_client, built):
    built["course"].status = "draft"
    built["course"].save()
    client = _as(api_client, InstructorFactory())
    m1 = built["modules"][0]
    assert client.get(f"/api/v1/modules/{m1.pk}/").status_code == 404
    assert client.delete(f"/api/v1/modules/{m1.pk}/").status_code == 404
    assert client.put(f"/api/v1/modules/{m1.pk}/lessons/order/", {"order": []}, format="json").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_reorders_at_once_leave_one_whole_order_never_a_mix():
    from rest_framework.test import APIClient

    owner = InstructorFactory()
    course = CourseFactory()
    course.instructors.add(owner)
    modules = [ModuleFactory(course=course, position=i + 1) for i in range(6)]
    ids = [m.pk for m in modules]
    orders = [list(reversed(ids)), ids[3:] + ids[:3]]
    barrier = threading.Barrier(2)
    statuses = []

    def put(order):
        from django.db import connections

        client = APIClient()
        client.force_authenticate(owner)
        barrier.wait()
        statuses.append(
            client.put(f"/api/v1/courses/{course.slug}/modules/order/", {"order": order}, format="json").status_code
        )
        connections.close_all()

    threads = [threading.Thread(target=put, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    assert _module_order(course) in orders
    assert sorted(course.modules.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_reorder_refreshes_the_cached_public_outline(api_client, built, django_capture_on_commit_callbacks):
    m1, m2, m3 = built["modules"]
    anonymous = api_client.get(f"/api/v1/courses/{built['course'].slug}/").json()
    assert [m["id"] for m in anonymous["modules"]] == [m1.pk, m2.pk, m3.pk]
    with django_capture_on_commit_callbacks(execute=True):  # bulk updates send no signal: the service bumps
        _as(api_client, built["owner"]).put(
            f"/api/v1/courses/{built['course'].slug}/modules/order/", {"order": [m2.pk, m3.pk, m1.pk]}, format="json"
        )
    api_client.force_authenticate(None)
    again = api_client.get(f"/api/v1/courses/{built['course'].slug}/").json()
    assert [m["id"] for m in again["modules"]] == [m2.pk, m3.pk, m1.pk]
