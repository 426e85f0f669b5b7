"""The catalog API: /api/v1/courses/, categories/, lessons/{id}/ — permissions for every
role, filters, pagination, query counts and the public cache."""

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from courses import services
from courses.models import Course, Lesson, Module
from courses.tests.factories import (
    ROLES,
    Cast,
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/courses/"


def detail(slug: str) -> str:
    return f"/api/v1/courses/{slug}/"


def lesson_url(lesson_id: int) -> str:
    return f"/api/v1/lessons/{lesson_id}/"


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    course = CourseFactory(slug="python", title="Python", instructors=[cast.owner])
    module = ModuleFactory(course=course, position=1)
    LessonFactory(module=module, title="Welcome", body="Hello **everyone**", is_preview=True, position=1)
    LessonFactory(module=module, title="Secrets", body="The paid-for content", position=2)
    return course


@pytest.fixture
def draft(cast):
    course = CourseFactory(slug="draft", draft=True, instructors=[cast.owner])
    LessonFactory(module=ModuleFactory(course=course), is_preview=True)
    return course


def as_(client, user):
    if user is not None:
        client.force_authenticate(user)
    return client


def _slugs(response) -> list[str]:
    return [c["slug"] for c in response.json()["results"]]


# --- permission matrix: reads ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_published_catalog(api_client, cast, course, draft, role):
    client = as_(api_client, cast[role])
    listed = client.get(LIST)
    assert listed.status_code == 200
    assert "python" in _slugs(listed)
    assert client.get(detail("python")).status_code == 200
    modules = client.get(detail("python") + "modules/")
    assert modules.status_code == 200
    assert [ls["title"] for ls in modules.json()[0]["lessons"]] == ["Welcome", "Secrets"]
    assert client.get("/api/v1/categories/").status_code == 200


@pytest.mark.parametrize(
    ("role", "visible"),
    [("anonymous", False), ("learner", False), ("other_instructor", False), ("owner", True), ("staff", True)],
)
def test_a_draft_is_404_to_everyone_but_its_instructors_and_staff(api_client, cast, draft, role, visible):
    client = as_(api_client, cast[role])
    lesson = draft.lessons.get()
    expected = 200 if visible else 404
    assert client.get(detail("draft")).status_code == expected
    assert client.get(detail("draft") + "modules/").status_code == expected
    assert client.get(lesson_url(lesson.pk)).status_code == expected  # even a preview lesson
    assert ("draft" in _slugs(client.get(LIST))) is visible


def test_not_found_uses_the_api_error_shape(api_client):
    response = api_client.get(detail("no-such-course"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Course not found.", "code": "not_found", "errors": {}}


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 403), ("learner", 403), ("other_instructor", 403), ("owner", 200), ("staff", 200)],
)
def test_a_non_preview_lesson_is_readable_by_its_instructors_and_staff_only(api_client, cast, course, role, status):
    lesson = course.lessons.get(title="Secrets")
    response = as_(api_client, cast[role]).get(lesson_url(lesson.pk))
    assert response.status_code == status
    if status == 200:
        assert response.json()["body_html"] == "<p>The paid-for content</p>"
    else:
        assert b"paid-for" not in response.content


@pytest.mark.parametrize("role", ROLES)
def test_a_preview_lesson_is_readable_by_everyone(api_client, cast, course, role):
    lesson = course.lessons.get(title="Welcome")
    response = as_(api_client, cast[role]).get(lesson_url(lesson.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["can_read"] is True
    assert body["body_html"] == "<p>Hello <strong>everyone</strong></p>"
    assert body["course"] == "python"


def test_the_syllabus_never_carries_lesson_bodies(api_client, course):
    response = api_client.get(detail("python"))
    lessons = response.json()["modules"][0]["lessons"]
    assert [ls["title"] for ls in lessons] == ["Welcome", "Secrets"]
    assert all("body" not in ls and "body_html" not in ls for ls in lessons)
    assert b"paid-for" not in response.content
    assert b"everyone" not in response.content


# --- permission matrix: writes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("learner", 403), ("other_instructor", 201), ("owner", 201), ("staff", 201)],
)
def test_only_instructors_and_staff_create_courses(api_client, cast, role, status):
    response = as_(api_client, cast[role]).post(LIST, {"title": "Brand new"})
    assert response.status_code == status, response.content
    if status == 201:
        course = Course.objects.get(slug="brand-new")
        assert course.status == Course.Status.DRAFT
        assert list(course.instructors.all()) == [cast[role]]
    else:
        assert not Course.objects.filter(slug="brand-new").exists()


def test_course_create_ignores_fields_the_client_may_not_set(api_client, cast):
    other = InstructorFactory()
    response = as_(api_client, cast.owner).post(
        LIST,
        {
            "title": "Sneaky",
            "is_featured": True,
            "enrollment_count": 1000,
            "instructors": [other.pk],
            "published_at": "2020-01-01T00:00:00Z",
            "description_html": "<script>alert(1)</script>",
        },
    )
    assert response.status_code == 201, response.content
    course = Course.objects.get(slug="sneaky")
    assert (course.is_featured, course.enrollment_count, course.published_at) == (False, 0, None)
    assert list(course.instructors.all()) == [cast.owner]
    assert course.description_html == ""


def test_creating_a_published_course_without_lessons_is_refused_and_creates_nothing(api_client, cast):
    response = as_(api_client, cast.owner).post(LIST, {"title": "Empty", "status": "published"})
    assert response.status_code == 400
    assert response.json()["code"] == "course_empty"
    assert not Course.objects.filter(slug="empty").exists()


def test_course_create_bad_input_names_the_field(api_client, cast):
    response = as_(api_client, cast.owner).post(LIST, {"title": "", "level": "expert", "capacity": 0})
    assert response.status_code == 400
    assert {"title", "level"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("role", "published", "draft_"),
    [
        ("anonymous", 401, 401),
        ("learner", 403, 404),
        ("other_instructor", 403, 404),
        ("owner", 200, 200),
        ("staff", 200, 200),
    ],
)
def test_only_the_courses_instructors_and_staff_update_it(api_client, cast, course, draft, role, published, draft_):
    client = as_(api_client, cast[role])
    for slug, status in (("python", published), ("draft", draft_)):
        response = client.patch(detail(slug), {"summary": f"changed by {role}"})
        assert response.status_code == status, response.content
        changed = Course.objects.get(slug=slug).summary == f"changed by {role}"
        assert changed is (status == 200)


def test_an_instructor_cannot_add_another_instructors_draft_as_a_prerequisite(api_client, cast, course):
    CourseFactory(slug="secret-draft", draft=True)
    response = as_(api_client, cast.owner).patch(detail("python"), {"prerequisites": ["secret-draft"]})
    assert response.status_code == 400
    assert "prerequisites" in response.json()["errors"]


def test_the_owner_publishes_through_the_api(api_client, cast, draft):
    response = as_(api_client, cast.owner).patch(detail("draft"), {"status": "published"})
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["published_at"] is not None


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("learner", 403), ("other_instructor", 403), ("owner", 201), ("staff", 201)],
)
def test_only_the_courses_instructors_and_staff_add_modules(api_client, cast, course, role, status):
    response = as_(api_client, cast[role]).post(detail("python") + "modules/", {"title": "Advanced"})
    assert response.status_code == status
    assert Module.objects.filter(course=course, title="Advanced").exists() is (status == 201)
    if status == 201:
        assert response.json()["position"] == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("learner", 403), ("other_instructor", 403), ("owner", 201), ("staff", 201)],
)
def test_only_the_courses_instructors_and_staff_add_lessons(api_client, cast, course, role, status):
    module = course.modules.get()
    response = as_(api_client, cast[role]).post(
        detail("python") + f"modules/{module.pk}/lessons/", {"title": "Extra", "body": "# Extra"}
    )
    assert response.status_code == status, response.content
    assert Lesson.objects.filter(module=module, title="Extra").exists() is (status == 201)
    if status == 201:
        assert response.json()["body_html"] == "<h2>Extra</h2>"
        assert response.json()["position"] == 3


def test_a_lesson_cannot_be_added_to_another_courses_module(api_client, cast, course):
    foreign = ModuleFactory(course=CourseFactory(instructors=[cast.other_instructor]))
    response = as_(api_client, cast.owner).post(detail("python") + f"modules/{foreign.pk}/lessons/", {"title": "X"})
    assert response.status_code == 404
    assert not foreign.lessons.exists()


def test_a_lesson_with_a_foreign_video_host_is_400(api_client, cast, course):
    module = course.modules.get()
    response = as_(api_client, cast.owner).post(
        detail("python") + f"modules/{module.pk}/lessons/",
        {"title": "V", "kind": "video", "video_url": "javascript:alert(document.cookie)"},
    )
    assert response.status_code == 400
    assert "video_url" in response.json()["errors"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("learner", 403), ("other_instructor", 403), ("owner", 200), ("staff", 200)],
)
def test_only_the_courses_instructors_and_staff_edit_lessons(api_client, cast, course, role, status):
    lesson = course.lessons.get(title="Welcome")  # a preview: everyone can read it, not edit it
    response = as_(api_client, cast[role]).patch(lesson_url(lesson.pk), {"title": "Edited", "position": 9})
    assert response.status_code == status
    lesson.refresh_from_db()
    assert (lesson.title == "Edited") is (status == 200)


def test_editing_a_draft_courses_lesson_is_404_for_other_instructors(api_client, cast, draft):
    lesson = draft.lessons.get()
    assert as_(api_client, cast.other_instructor).patch(lesson_url(lesson.pk), {"title": "X"}).status_code == 404


def test_lesson_positions_reorder_the_syllabus(api_client, cast, course):
    secrets = course.lessons.get(title="Secrets")
    as_(api_client, cast.owner).patch(lesson_url(secrets.pk), {"position": 0})
    api_client.force_authenticate(None)
    modules = api_client.get(detail("python") + "modules/").json()
    assert [ls["title"] for ls in modules[0]["lessons"]] == ["Secrets", "Welcome"]


# --- filters and pagination -----------------------------------------------------------------


def test_list_filters_and_ordering(api_client):
    teacher = InstructorFactory()
    parent = CategoryFactory(slug="programming")
    child = CategoryFactory(slug="python", parent=parent)
    CourseFactory(
        slug="django",
        title="Django",
        category=child,
        level="advanced",
        language="fr",
        instructors=[teacher],
        enrollment_count=2,
    )
    CourseFactory(slug="basics", title="Basics", category=parent, summary="Python basics", enrollment_count=7)
    CourseFactory(slug="figma", title="Figma", category=CategoryFactory(slug="design"))

    def slugs(**params):
        response = api_client.get(LIST, params)
        assert response.status_code == 200
        return _slugs(response)

    assert sorted(slugs(category="programming")) == ["basics", "django"]
    assert slugs(category="python") == ["django"]
    assert slugs(level="advanced") == ["django"]
    assert slugs(language="fr") == ["django"]
    assert slugs(instructor=teacher.pk) == ["django"]
    assert slugs(q="python") == ["basics"]
    assert slugs(ordering="title") == ["basics", "django", "figma"]
    assert slugs(ordering="popularity")[:2] == ["basics", "django"]


def test_pagination_caps_the_page_size(api_client):
    now = timezone.now()
    Course.objects.bulk_create(
        [Course(slug=f"c{i}", title=f"C{i}", status="published", published_at=now) for i in range(101)]
    )
    first = api_client.get(LIST).json()
    assert first["count"] == 101
    assert len(first["results"]) == 20
    assert first["next"]
    huge = api_client.get(LIST, {"page_size": 10_000}).json()
    assert len(huge["results"]) == 100
    small = api_client.get(LIST, {"page_size": 7, "page": 2}).json()
    assert len(small["results"]) == 7
    assert api_client.get(LIST, {"page": 999}).status_code == 404


def test_categories_list_with_parents(api_client):
    parent = CategoryFactory(name="Programming", slug="programming")
    CategoryFactory(name="Python", slug="python", parent=parent)
    body = api_client.get("/api/v1/categories/").json()
    assert body == [
        {"id": parent.pk, "name": "Programming", "slug": "programming", "parent": None},
        {"id": parent.pk + 1, "name": "Python", "slug": "python", "parent": "programming"},
    ]


# --- query counts --------------------------------------------------------------------------


def _catalog(n: int, django_capture_on_commit_callbacks) -> None:
    parent = CategoryFactory()
    teachers = [InstructorFactory(), InstructorFactory()]
    with django_capture_on_commit_callbacks(execute=True):  # the real commit bumps the cache version
        for _ in range(n):
            # A sub-category each: the list names the category and its parent.
            course = CourseFactory(category=CategoryFactory(parent=parent), instructors=teachers)
            LessonFactory.create_batch(2, module=ModuleFactory(course=course))


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_catalog_list_runs_a_constant_number_of_queries(
    api_client, cast, role, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = as_(api_client, cast[role])
    _catalog(3, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(3) as small:  # count, courses, instructors
        assert len(client.get(LIST, {"page_size": 100}).json()["results"]) == 3
    _catalog(27, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(small)):
        assert len(client.get(LIST, {"page_size": 100}).json()["results"]) == 30


def _grow(course: Course, modules: int, lessons_per_module: int) -> None:
    for _ in range(modules):
        module = ModuleFactory(course=course)
        LessonFactory.create_batch(lessons_per_module, module=module)
    course.instructors.add(InstructorFactory())
    course.prerequisites.add(CourseFactory())


@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_course_detail_runs_a_constant_number_of_queries(
    api_client, cast, role, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    course = CourseFactory(slug="big", category=CategoryFactory(parent=CategoryFactory()), instructors=[cast.owner])
    client = as_(api_client, cast[role])
    _grow(course, 1, 5)
    # Course, instructors, prerequisites, and the outline (modules, lessons, quizzes,
    # assignments) read anew
    with django_assert_max_num_queries(7) as small:
        assert client.get(detail("big")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the change reaches the public cache
        _grow(course, 4, 11)
    with django_assert_max_num_queries(len(small)):
        body = client.get(detail("big")).json()
    assert sum(len(m["lessons"]) for m in body["modules"]) == 49


def test_public_viewers_share_the_course_detail_until_the_course_changes(
    api_client, cast, course, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = api_client.get(detail("python"))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        shared = as_(api_client, cast.learner).get(detail("python"))
    assert shared.json() == first.json() and shared["Content-Type"] == "application/json"
    api_client.force_authenticate(None)
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_create(module=course.modules.get(), data={"title": "Fresh lesson"})
    titles = [ls["title"] for m in api_client.get(detail("python")).json()["modules"] for ls in m["lessons"]]
    assert "Fresh lesson" in titles


def test_a_draft_detail_never_reaches_the_shared_cache(api_client, cast, draft):
    assert as_(api_client, cast.owner).get(detail("draft")).status_code == 200  # its instructor sees it
    former = account_services.user_set_role(user=cast.owner, role=User.Role.LEARNER)
    assert as_(api_client, former).get(detail("draft")).status_code == 404  # as a learner: the public view
    api_client.force_authenticate(None)
    assert api_client.get(detail("draft")).status_code == 404


# --- the public catalog cache ---------------------------------------------------------------


def test_a_second_anonymous_list_runs_no_query(api_client, course, django_assert_num_queries):
    first = api_client.get(LIST, {"level": "beginner"})
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = api_client.get(LIST, {"level": "beginner"})
    assert second.status_code == 200
    assert second.json() == first.json()


def test_learners_share_the_anonymous_cache(api_client, cast, course, django_assert_num_queries):
    api_client.get(LIST)
    with django_assert_num_queries(0):
        assert _slugs(as_(api_client, cast.learner).get(LIST)) == ["python"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: services.course_update(course=c, data={"title": "Renamed"}), id="course"),
        pytest.param(lambda c: services.lesson_create(module=c.modules.get(), data={"title": "New"}), id="lesson"),
        pytest.param(lambda c: services.course_unpublish(course=c), id="unpublish"),
        pytest.param(lambda c: c.modules.get().delete(), id="module-delete"),
    ],
)
def test_a_catalog_change_invalidates_the_cached_list(api_client, course, change, django_capture_on_commit_callbacks):
    before = api_client.get(LIST).json()
    with django_capture_on_commit_callbacks(execute=True):
        change(course)
    after = api_client.get(LIST).json()
    assert after != before
    fresh = {c["slug"]: c for c in after["results"]}
    course.refresh_from_db()
    if course.status == Course.Status.PUBLISHED:
        assert fresh["python"]["title"] == course.title
        assert fresh["python"]["lesson_count"] == course.lessons.count()
    else:
        assert "python" not in fresh


def test_without_a_commit_the_cached_list_is_still_served(api_client, course, django_capture_on_commit_callbacks):
    before = api_client.get(LIST).json()
    with django_capture_on_commit_callbacks(execute=False):
        services.course_update(course=course, data={"title": "Renamed"})
    assert api_client.get(LIST).json() == before  # proves the list above really was cached


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_instructor_and_staff_lists_never_come_from_the_shared_cache(api_client, cast, course, draft, role):
    assert _slugs(api_client.get(LIST)) == ["python"]  # warms the public cache
    client = as_(api_client, cast[role])
    for _ in range(2):
        assert set(_slugs(client.get(LIST))) == {"python", "draft"}
    api_client.force_authenticate(None)
    assert _slugs(api_client.get(LIST)) == ["python"]


def test_a_learner_who_still_teaches_a_draft_never_puts_it_in_the_shared_cache(api_client, cast, draft, course):
    # A former instructor, now a learner, is still listed on their old draft.
    former = account_services.user_set_role(user=cast.owner, role=User.Role.LEARNER)
    as_(api_client, former).get(LIST)
    api_client.force_authenticate(None)
    assert "draft" not in _slugs(api_client.get(LIST))


def test_the_shared_catalog_is_written_in_utc_whoever_fills_it(client, api_client, cast, course):
    cast.learner.time_zone = "Asia/Tokyo"
    cast.learner.save(update_fields=["time_zone"])
    client.force_login(cast.learner)  # a session: the learner's time zone is active
    filled = client.get(LIST).json()
    assert filled["results"][0]["published_at"].endswith(("Z", "+00:00"))
    client.get(detail("python"))
    shared = api_client.get(detail("python")).json()  # anonymous, from the cache
    assert shared["published_at"].endswith(("Z", "+00:00"))


# --- every shape a listed course can take -------------------------------------------------


@pytest.fixture
def course_shapes(cast):
    """A course in a sub-category with two instructors (one without a name), one in a top
    category with none, one without a category, a draft and one with a cover image."""
    from decimal import Decimal

    parent = CategoryFactory(slug="science")
    teachers = [InstructorFactory(first_name="Ada", last_name="Zed"), InstructorFactory(first_name="", last_name="")]
    CourseFactory(slug="in-child", category=CategoryFactory(parent=parent), estimated_hours=Decimal("12.5"),
                  instructors=teachers)  # fmt: skip
    CourseFactory(slug="in-parent", category=parent, instructors=[], estimated_hours=None)
    CourseFactory(slug="no-category", title="Ünïcode <b>&</b>", summary="")
    CourseFactory(slug="draft-one", draft=True, instructors=[cast.owner])
    covered = CourseFactory(slug="covered")
    Course.objects.filter(pk=covered.pk).update(cover_image="covers/a cover é.png")  # the URL needs no file
    return teachers


def test_the_list_shows_every_shape_a_course_can_take(api_client, cast, course_shapes):
    teachers = course_shapes
    api_client.force_authenticate(cast.staff)

    built = api_client.get(LIST).json()["results"]

    assert len(built) == 5
    by_slug = {c["slug"]: c for c in built}
    assert by_slug["in-child"]["category"]["parent"] == "science"
    assert by_slug["in-child"]["estimated_hours"] == "12.5"
    assert [i["name"] for i in by_slug["in-child"]["instructors"]] == [teachers[1].email.split("@")[0], "Ada Zed"]
    assert by_slug["covered"]["cover_image"].startswith("http://testserver/")
    assert by_slug["draft-one"]["published_at"] is None


# --- the list built from rows ---------------------------------------------------------------


def test_the_list_built_from_rows_is_what_the_serializer_gives(rf, cast, course_shapes):
    """course_list_data builds the catalog's dicts by hand (docs/performance.md): for every
    shape a course can take, field by field, it must be what CourseListSerializer says."""
    from courses import selectors
    from courses.api.serializers import CourseListSerializer, course_list_data

    request = rf.get(LIST, HTTP_HOST="testserver")
    request.user = cast.staff
    context = {"request": request}

    courses = selectors.course_list_for(cast.staff)
    expected = CourseListSerializer(list(courses), many=True, context=context).data
    built = course_list_data(list(selectors.course_list_values(courses)), context=context)

    assert [c["slug"] for c in built] == [c["slug"] for c in expected]
    assert len(built) == 5
    for mine, theirs in zip(built, expected, strict=True):
        assert list(mine) == list(theirs)  # the same keys, in the same order
        assert mine == dict(theirs), mine["slug"]  # what each shape shows: the test above
