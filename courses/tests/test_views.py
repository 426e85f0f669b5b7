"""Catalog pages: /, /courses/, /courses/<slug>/ and the lesson page, for every role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Course
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


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    course = CourseFactory(slug="python", title="Python Foundations", instructors=[cast.owner])
    module = ModuleFactory(course=course, title="Getting started")
    LessonFactory(module=module, title="Welcome", body="Free *preview* text", is_preview=True, position=1)
    LessonFactory(module=module, title="Secrets", body="Members-only text", position=2)
    return course


@pytest.fixture
def draft(cast):
    course = CourseFactory(slug="draft", title="Unfinished Draft", draft=True, instructors=[cast.owner])
    LessonFactory(module=ModuleFactory(course=course), is_preview=True, title="Draft lesson")
    return course


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- permission matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_published_courses_on_the_catalog_pages(client, cast, course, draft, role):
    login(client, cast[role])
    for url in ("/", "/courses/", "/courses/python/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Python Foundations" in response.content


@pytest.mark.parametrize(
    ("role", "visible"),
    [("anonymous", False), ("learner", False), ("other_instructor", False), ("owner", True), ("staff", True)],
)
def test_a_draft_is_404_to_the_public(client, cast, draft, role, visible):
    login(client, cast[role])
    lesson = draft.lessons.get()
    assert client.get("/courses/draft/").status_code == (200 if visible else 404)
    assert client.get(f"/courses/draft/lessons/{lesson.pk}/").status_code == (200 if visible else 404)
    assert (b"Unfinished Draft" in client.get("/courses/").content) is visible
    assert b"Unfinished Draft" not in client.get("/").content  # the home page is the public's


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 403), ("learner", 403), ("other_instructor", 403), ("owner", 200), ("staff", 200)],
)
def test_a_locked_lesson_page_shows_its_content_to_its_readers_only(client, cast, course, role, status):
    login(client, cast[role])
    lesson = course.lessons.get(title="Secrets")
    response = client.get(f"/courses/python/lessons/{lesson.pk}/")
    assert response.status_code == status
    assert (b"Members-only text" in response.content) is (status == 200)
    assert b"Secrets" in response.content  # the title and the outline stay visible
    if status == 403:
        assert b"This lesson is for enrolled learners" in response.content


@pytest.mark.parametrize("role", ROLES)
def test_a_preview_lesson_page_is_open_to_everyone(client, cast, course, role):
    login(client, cast[role])
    lesson = course.lessons.get(title="Welcome")
    response = client.get(f"/courses/python/lessons/{lesson.pk}/")
    assert response.status_code == 200
    assert b"Free <em>preview</em> text" in response.content


def test_a_lesson_under_another_courses_slug_is_404(client, course):
    other = CourseFactory(slug="other")
    foreign = LessonFactory(module=ModuleFactory(course=other), is_preview=True)
    assert client.get(f"/courses/python/lessons/{foreign.pk}/").status_code == 404
    assert client.get("/courses/python/lessons/999999/").status_code == 404
    assert client.get("/courses/no-such-course/").status_code == 404


# --- the course page -----------------------------------------------------------------------


def test_the_course_page_shows_the_syllabus_with_only_preview_lessons_linked(client, course):
    response = client.get("/courses/python/")
    content = response.content.decode()
    welcome = course.lessons.get(title="Welcome")
    secrets = course.lessons.get(title="Secrets")
    assert "Getting started" in content
    assert f'href="/courses/python/lessons/{welcome.pk}/"' in content
    assert f'href="/courses/python/lessons/{secrets.pk}/"' not in content
    assert "Secrets" in content
    assert "Members-only text" not in content
    assert content.index("Welcome") < content.index("Secrets")


def test_the_course_page_links_every_lesson_for_an_enrolled_learner(client, cast, course):
    from enrollments import services as enrollment_services

    enrollment_services.enrollment_create(user=cast.learner, course=course)
    client.force_login(cast.learner)
    content = client.get("/courses/python/").content.decode()
    secrets = course.lessons.get(title="Secrets")
    assert f'href="/courses/python/lessons/{secrets.pk}/"' in content
    assert "/admin/courses/course/" not in content


def test_the_course_page_links_every_lesson_and_the_admin_for_its_instructor(client, cast, course):
    client.force_login(cast.owner)
    content = client.get("/courses/python/").content.decode()
    secrets = course.lessons.get(title="Secrets")
    assert f'href="/courses/python/lessons/{secrets.pk}/"' in content
    assert f"/admin/courses/course/{course.pk}/change/" in content


@pytest.mark.parametrize("role", ["anonymous", "learner", "other_instructor"])
def test_the_admin_link_is_not_offered_to_others(client, cast, course, role):
    login(client, cast[role])
    assert b"/admin/courses/course/" not in client.get("/courses/python/").content


def test_the_course_page_invites_anonymous_visitors_to_log_in_and_learners_to_enrol(client, cast, course):
    anonymous = client.get("/courses/python/").content.decode()
    assert "/accounts/login/?next=/courses/python/" in anonymous
    client.force_login(cast.learner)
    learner = client.get("/courses/python/").content.decode()
    assert 'action="/courses/python/enrol/"' in learner
    assert 'name="csrfmiddlewaretoken"' in learner


def test_the_course_page_lists_instructors_and_prerequisites(client, course):
    teacher = InstructorFactory(first_name="Grace", last_name="Hopper")
    course.instructors.add(teacher)
    course.prerequisites.add(CourseFactory(slug="basics", title="Computing Basics"))
    content = client.get("/courses/python/").content.decode()
    assert "Grace Hopper" in content
    assert 'href="/courses/basics/"' in content


# --- the catalog page ----------------------------------------------------------------------


def test_catalog_page_filters_and_searches(client):
    data = CategoryFactory(slug="data", name="Data")
    CourseFactory(title="SQL for Analysts", category=data, level="intermediate")
    CourseFactory(title="Pandas", category=CategoryFactory(slug="pandas", parent=data), level="advanced")
    CourseFactory(title="Figma Basics", summary="Design", level="beginner")

    def titles(**params):
        page = client.get("/courses/", params).context["page"]
        return sorted(c.title for c in page.object_list)

    assert titles(category="data") == ["Pandas", "SQL for Analysts"]
    assert titles(level="advanced") == ["Pandas"]
    assert titles(q="design") == ["Figma Basics"]
    assert titles(q="nothing matches this") == []
    assert b"No course matches" in client.get("/courses/", {"q": "nothing matches this"}).content


def test_catalog_page_paginates_by_twelve_and_keeps_the_filters(client):
    now = timezone.now()
    for i in range(14):
        CourseFactory(title=f"Course {i:02}", published_at=now - timedelta(minutes=i), level="beginner")
    first = client.get("/courses/", {"level": "beginner", "ordering": "title"})
    assert [c.title for c in first.context["page"].object_list][:2] == ["Course 00", "Course 01"]
    assert len(first.context["page"].object_list) == 12
    assert b"level=beginner&amp;ordering=title&amp;page=2" in first.content
    second = client.get("/courses/", {"level": "beginner", "ordering": "title", "page": 2})
    assert [c.title for c in second.context["page"].object_list] == ["Course 12", "Course 13"]
    assert client.get("/courses/", {"page": "999"}).context["page"].number == 2
    assert client.get("/courses/", {"page": "x"}).context["page"].number == 1


def test_home_shows_featured_and_newest_published_courses(client):
    CourseFactory(title="Featured One", is_featured=True)
    CourseFactory(title="Fresh One")
    CourseFactory(title="Hidden Featured Draft", is_featured=True, draft=True)
    response = client.get("/")
    assert [c.title for c in response.context["featured"]] == ["Featured One"]
    assert {c.title for c in response.context["newest"]} == {"Featured One", "Fresh One"}
    assert b"Hidden Featured Draft" not in response.content


# --- query counts --------------------------------------------------------------------------


def _courses(n: int) -> None:
    category = CategoryFactory()
    teachers = [InstructorFactory(), InstructorFactory()]
    for _ in range(n):
        course = CourseFactory(category=category, is_featured=True, instructors=teachers)
        LessonFactory(module=ModuleFactory(course=course))


CARD = b'class="card course-card"'


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_catalog_and_home_pages_run_a_constant_number_of_queries(
    client, cast, role, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    login(client, cast[role])
    with django_capture_on_commit_callbacks(execute=True):  # committed: the shared catalog moves on
        _courses(3)
    # catalog: count, courses, instructors, categories (+ the session's user when logged in)
    with django_assert_max_num_queries(5) as catalog:
        assert client.get("/courses/").content.count(CARD) == 3
    with django_assert_max_num_queries(5) as home:  # featured and newest, each with instructors
        assert len(client.get("/").context["featured"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        _courses(27)
    with django_assert_max_num_queries(len(catalog)):
        assert client.get("/courses/").content.count(CARD) == 12
    with django_assert_max_num_queries(len(home)):
        assert len(client.get("/").context["newest"]) == 6


# --- the shared catalog page ----------------------------------------------------------------


def test_public_viewers_share_the_catalog_page_until_the_catalog_changes(
    client, cast, course, draft, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = client.get("/courses/", {"q": "python"})
    assert first.content.count(CARD) == 1
    login(client, cast.learner)
    with django_assert_num_queries(1):  # the session's user; the results come from the cache
        shared = client.get("/courses/", {"q": "python"})
    assert shared.content.count(CARD) == 1 and b"Python Foundations" in shared.content
    with django_capture_on_commit_callbacks(execute=True):
        CourseFactory(title="Python Advanced", slug="python-advanced")
    assert client.get("/courses/", {"q": "python"}).content.count(CARD) == 2


def test_a_draft_listed_for_its_instructor_never_reaches_the_public_catalog_page(client, cast, course, draft):
    assert b"Unfinished Draft" in login(client, cast.owner).get("/courses/").content
    client.logout()
    assert b"Unfinished Draft" not in client.get("/courses/").content
    # A learner who once taught the draft gets the public page, not a page of their own.
    draft.instructors.add(cast.learner)
    assert b"Unfinished Draft" not in login(client, cast.learner).get("/courses/").content


def test_the_shared_catalog_page_is_kept_per_language(client, course):
    english = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="fr")
    assert b"Apply" in english.content
    assert b"Apply" not in french.content and b"Python Foundations" in french.content


def _grow(course: Course, modules: int, lessons: int) -> None:
    for _ in range(modules):
        LessonFactory.create_batch(lessons, module=ModuleFactory(course=course))
    course.instructors.add(InstructorFactory())
    course.prerequisites.add(CourseFactory())


@pytest.mark.parametrize("role", ["anonymous", "learner", "owner"])
def test_course_page_runs_a_constant_number_of_queries(
    client, cast, role, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    login(client, cast[role])
    course = CourseFactory(slug="big", instructors=[cast.owner])
    _grow(course, 1, 5)
    with django_assert_max_num_queries(9) as small:
        assert client.get("/courses/big/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the catalog version moves on
        _grow(course, 5, 9)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/courses/big/")
    assert sum(len(m.lessons) for m in response.context["modules"]) == 50


def test_titles_in_the_syllabus_and_the_lesson_outline_are_escaped(client):
    from enrollments.tests.factories import EnrollmentFactory

    payload = '<img src=x onerror="alert(1)">&'
    course = CourseFactory(slug="titles")
    module = ModuleFactory(course=course, title=f"Module {payload}")
    lesson = LessonFactory(module=module, title=f"Lesson {payload}", is_preview=True)
    learner = EnrollmentFactory(course=course).user
    client.force_login(learner)
    for url in ("/courses/titles/", f"/courses/titles/lessons/{lesson.pk}/"):
        page = client.get(url).content.decode()
        assert payload not in page
        assert "Lesson &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page
        assert "Module &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page


# --- the course kept in the process ---------------------------------------------------------


def test_the_course_page_shows_a_committed_change_at_once(client, cast, course, django_capture_on_commit_callbacks):
    login(client, cast.learner)
    assert b"Python Foundations" in client.get("/courses/python/").content  # now kept in this process
    newcomer = InstructorFactory(first_name="Grace", last_name="Hopper")
    with django_capture_on_commit_callbacks(execute=True):
        course.instructors.add(newcomer)
    assert b"Grace Hopper" in client.get("/courses/python/").content
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "Python Renewed"
        course.save(update_fields=["title"])
    assert b"Python Renewed" in client.get("/courses/python/").content


def test_unpublishing_a_course_takes_its_page_down_at_once(client, cast, course, django_capture_on_commit_callbacks):
    assert client.get("/courses/python/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        course.status = Course.Status.DRAFT
        course.published_at = None
        course.save(update_fields=["status", "published_at"])
    assert client.get("/courses/python/").status_code == 404
    assert login(client, cast.owner).get("/courses/python/").status_code == 200  # its instructor still sees it


def test_the_course_page_shows_the_cover_the_card_shows(client):
    from courses.models import Course
    from courses.tests.factories import CourseFactory

    course = CourseFactory()
    Course.objects.filter(pk=course.pk).update(cover_image="covers/a.png")  # the URL needs no file
    catalog = client.get("/courses/").content.decode()
    page = client.get(f"/courses/{course.slug}/").content.decode()
    assert "covers/a.png" in catalog
    assert 'class="course-cover"' in page and "covers/a.png" in page
