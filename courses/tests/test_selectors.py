"""Catalog reads: what each role sees, filters, ordering."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses import cache, selectors
from courses.models import Course
from courses.tests.factories import (
    Cast,
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
)
from lms.exceptions import NotFoundError, PermissionDeniedError

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


def _slugs(qs) -> list[str]:
    return [c.slug for c in qs]


# --- visibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", {"published"}),
        ("learner", {"published"}),
        ("other_instructor", {"published"}),
        ("owner", {"published", "own-draft", "own-archived"}),
        ("staff", {"published", "own-draft", "own-archived", "foreign-draft"}),
    ],
)
def test_course_list_for_each_role(cast, role, expected):
    CourseFactory(slug="published")
    CourseFactory(slug="own-draft", draft=True, instructors=[cast.owner])
    CourseFactory(slug="own-archived", archived=True, instructors=[cast.owner])
    CourseFactory(slug="foreign-draft", draft=True)
    assert set(_slugs(selectors.course_list_for(cast[role]))) == expected


def test_a_course_with_two_instructors_is_listed_once():
    a, b = InstructorFactory(), InstructorFactory()
    CourseFactory(slug="shared", instructors=[a, b])
    LessonFactory.create_batch(3, module=ModuleFactory(course=Course.objects.get()))
    for viewer in (None, a):
        courses = list(selectors.course_list_for(viewer))
        assert _slugs(courses) == ["shared"]
        assert courses[0].lesson_count == 3


@pytest.mark.parametrize(
    ("role", "found"),
    [("anonymous", False), ("learner", False), ("other_instructor", False), ("owner", True), ("staff", True)],
)
def test_a_draft_exists_only_for_its_instructors_and_staff(cast, role, found):
    CourseFactory(slug="draft", draft=True, instructors=[cast.owner])
    if found:
        assert selectors.course_get_for(cast[role], "draft").slug == "draft"
    else:
        with pytest.raises(NotFoundError):
            selectors.course_get_for(cast[role], "draft")


def test_course_get_for_edit_is_403_for_a_visible_course_and_404_for_an_invisible_one(cast):
    CourseFactory(slug="public", instructors=[cast.owner])
    CourseFactory(slug="draft", draft=True, instructors=[cast.owner])
    with pytest.raises(PermissionDeniedError):
        selectors.course_get_for_edit(cast.other_instructor, "public")
    with pytest.raises(NotFoundError):
        selectors.course_get_for_edit(cast.other_instructor, "draft")
    assert selectors.course_get_for_edit(cast.owner, "draft").slug == "draft"
    assert selectors.course_get_for_edit(cast.staff, "draft").slug == "draft"


@pytest.mark.parametrize("role", ["anonymous", "learner", "other_instructor"])
def test_a_lesson_of_a_draft_course_does_not_exist_for_the_public(cast, role):
    course = CourseFactory(draft=True, instructors=[cast.owner])
    lesson = LessonFactory(module=ModuleFactory(course=course), is_preview=True)
    with pytest.raises(NotFoundError):
        selectors.lesson_get_for(cast[role], lesson.pk)
    assert selectors.lesson_get_for(cast.owner, lesson.pk) == lesson


def test_an_unknown_lesson_is_not_found():
    with pytest.raises(NotFoundError):
        selectors.lesson_get_for(None, 999_999)


# --- filters -------------------------------------------------------------------------------


def test_category_filter_includes_sub_categories():
    programming = CategoryFactory(slug="programming")
    python = CategoryFactory(slug="python", parent=programming)
    design = CategoryFactory(slug="design")
    CourseFactory(slug="general", category=programming)
    CourseFactory(slug="django", category=python)
    CourseFactory(slug="colour", category=design)
    assert set(_slugs(selectors.course_list_for(None, filters={"category": "programming"}))) == {"general", "django"}
    assert _slugs(selectors.course_list_for(None, filters={"category": "python"})) == ["django"]
    assert _slugs(selectors.course_list_for(None, filters={"category": "nope"})) == []


def test_level_language_and_instructor_filters():
    teacher = InstructorFactory()
    CourseFactory(slug="a", level="advanced", language="fr", instructors=[teacher])
    CourseFactory(slug="b", level="advanced", language="en")
    CourseFactory(slug="c", level="beginner", language="fr")
    assert set(_slugs(selectors.course_list_for(None, filters={"level": "advanced"}))) == {"a", "b"}
    assert set(_slugs(selectors.course_list_for(None, filters={"language": "fr"}))) == {"a", "c"}
    assert _slugs(selectors.course_list_for(None, filters={"instructor": str(teacher.pk)})) == ["a"]
    assert _slugs(selectors.course_list_for(None, filters={"instructor": "1 OR 1=1"})) == []
    assert _slugs(selectors.course_list_for(None, filters={"level": "advanced", "language": "fr"})) == ["a"]


def test_search_looks_in_title_and_summary_case_insensitively():
    CourseFactory(slug="t", title="Python for Beginners", summary="x")
    CourseFactory(slug="s", title="Data", summary="Pandas with PYTHON")
    CourseFactory(slug="n", title="Rust", summary="Ownership")
    assert set(_slugs(selectors.course_list_for(None, filters={"q": "python"}))) == {"t", "s"}
    assert _slugs(selectors.course_list_for(None, filters={"q": "  rust "})) == ["n"]


def test_orderings():
    now = timezone.now()
    CourseFactory(slug="b", title="Beta", published_at=now - timedelta(days=3), enrollment_count=5)
    CourseFactory(slug="a", title="alpha", published_at=now - timedelta(days=1), enrollment_count=1)
    CourseFactory(slug="c", title="Gamma", published_at=now - timedelta(days=2), enrollment_count=9)

    def order(ordering):
        return _slugs(selectors.course_list_for(None, filters={"ordering": ordering}))

    assert order("") == ["a", "c", "b"]  # newest first by default
    assert order("-published") == ["a", "c", "b"]
    assert order("published") == ["b", "c", "a"]
    assert order("popularity") == ["c", "b", "a"]
    assert order("title") == sorted(order("title"), key=lambda s: {"a": "alpha", "b": "Beta", "c": "Gamma"}[s])
    assert order("-title") == list(reversed(order("title")))
    assert order("drop table") == order("")  # an unknown ordering falls back to the default


def test_popularity_ties_are_broken_by_newest():
    now = timezone.now()
    CourseFactory(slug="old", published_at=now - timedelta(days=9), enrollment_count=3)
    CourseFactory(slug="new", published_at=now, enrollment_count=3)
    assert _slugs(selectors.course_list_for(None, filters={"ordering": "popularity"})) == ["new", "old"]


def test_featured_and_newest_show_only_published_courses():
    now = timezone.now()
    CourseFactory(slug="featured", is_featured=True, published_at=now - timedelta(days=5))
    CourseFactory(slug="fresh", published_at=now)
    CourseFactory(slug="featured-draft", is_featured=True, draft=True)
    assert _slugs(selectors.featured_courses()) == ["featured"]
    assert _slugs(selectors.newest_courses()) == ["fresh", "featured"]
    assert len(selectors.newest_courses(limit=1)) == 1


# --- the outline kept in the process -----------------------------------------------------------


def test_the_outline_is_read_once_per_catalog_version(django_assert_num_queries, django_capture_on_commit_callbacks):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    LessonFactory(module=module, title="One", position=1)
    # Modules, lessons, and the other items (quizzes, assignments: one query a kind,
    # through outline_items_wanted).
    with django_assert_num_queries(4):
        assert [ls.title for ls in selectors.outline_lessons(course.pk)] == ["One"]
    with django_assert_num_queries(0):
        assert [m.pk for m in selectors.outline_modules(course.pk)] == [module.pk]
    with django_capture_on_commit_callbacks(execute=True):  # a change, committed: a new version
        LessonFactory(module=module, title="Two", position=5)
    with django_assert_num_queries(4):
        assert [ls.title for ls in selectors.outline_lessons(course.pk)] == ["One", "Two"]


def test_the_outline_is_read_every_time_when_the_cache_is_unreachable(settings, django_assert_num_queries):
    """No version to trust without the cache: nothing is kept (a Redis restart or outage
    never serves an outline from before it)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        },
    }
    course = CourseFactory()
    LessonFactory(module=ModuleFactory(course=course))
    for _ in range(2):
        with django_assert_num_queries(4):
            assert len(selectors.outline_lessons(course.pk)) == 1


def test_a_new_catalog_version_numbering_never_meets_an_old_one():
    """Redis keeps nothing on disk: after a restart the version starts again, and must not
    land on a number whose outlines a process still holds."""
    from django.core.cache import cache as default_cache

    first = cache.catalog_version()
    default_cache.delete(cache.VERSION_KEY)  # what an empty Redis looks like
    assert cache.catalog_version() not in (None, first, first + 1)
