"""Course authoring rules, exercised on the database through courses.services."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import cache, selectors, services
from courses.models import Attachment, Course, Lesson, Module
from courses.tests.factories import (
    AttachmentFactory,
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    course_with_lessons,
)
from lms.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


# --- create and update -------------------------------------------------------------------


def test_course_create_makes_a_draft_taught_by_its_author():
    instructor = InstructorFactory()
    course = services.course_create(instructor=instructor, data={"title": "Intro to Rust", "summary": "Ownership."})
    assert course.status == Course.Status.DRAFT
    assert course.published_at is None
    assert course.slug == "intro-to-rust"
    assert list(course.instructors.all()) == [instructor]


def test_course_create_derives_a_free_slug_from_the_title():
    instructor = InstructorFactory()
    first = services.course_create(instructor=instructor, data={"title": "Go"})
    second = services.course_create(instructor=instructor, data={"title": "Go"})
    assert (first.slug, second.slug) == ("go", "go-2")


def test_course_create_with_a_taken_slug_is_a_field_error():
    CourseFactory(slug="taken")
    with pytest.raises(ApplicationError) as exc:
        services.course_create(instructor=InstructorFactory(), data={"title": "T", "slug": "taken"})
    assert exc.value.code == "invalid"
    assert "slug" in exc.value.extra["errors"]
    assert Course.objects.filter(slug="taken").count() == 1


def test_course_create_with_an_enrollment_window_closing_before_it_opens_is_refused():
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        services.course_create(
            instructor=InstructorFactory(),
            data={"title": "T", "enrollment_opens_at": now, "enrollment_closes_at": now - timedelta(days=1)},
        )
    assert "enrollment_closes_at" in exc.value.extra["errors"]
    assert not Course.objects.exists()


def test_course_create_asking_to_publish_an_empty_course_creates_nothing():
    with pytest.raises(ApplicationError) as exc:
        services.course_create(instructor=InstructorFactory(), data={"title": "Empty", "status": "published"})
    assert exc.value.code == "course_empty"
    assert not Course.objects.exists()


def test_course_update_renders_the_description_again():
    course = CourseFactory(description="old")
    services.course_update(course=course, data={"description": "# New *text*"})
    course.refresh_from_db()
    assert course.description_html == "<h2>New <em>text</em></h2>"


def test_course_update_cannot_take_another_courses_slug():
    CourseFactory(slug="taken")
    course = CourseFactory(slug="mine")
    with pytest.raises(ApplicationError) as exc:
        services.course_update(course=course, data={"slug": "taken"})
    assert "slug" in exc.value.extra["errors"]
    course.refresh_from_db()
    assert course.slug == "mine"


def test_course_update_with_a_status_goes_through_the_publication_rule():
    course = CourseFactory(draft=True)
    with pytest.raises(ApplicationError) as exc:
        services.course_update(course=course, data={"title": "Renamed", "status": "published"})
    assert exc.value.code == "course_empty"
    course.refresh_from_db()
    assert (course.title, course.status) != ("Renamed", "published")
    assert course.status == Course.Status.DRAFT


def test_a_course_cannot_require_itself_or_form_a_cycle():
    a, b, c = CourseFactory(), CourseFactory(), CourseFactory()
    with pytest.raises(ApplicationError):
        services.course_set_prerequisites(course=a, prerequisites=[a])
    services.course_set_prerequisites(course=b, prerequisites=[a])
    services.course_set_prerequisites(course=c, prerequisites=[b])
    with pytest.raises(ApplicationError) as exc:
        services.course_set_prerequisites(course=a, prerequisites=[c])
    assert "cycle" in exc.value.extra["errors"]["prerequisites"][0]
    assert list(a.prerequisites.all()) == []


def test_a_category_cannot_be_its_own_ancestor():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    root.parent = child
    with pytest.raises(ValidationError):
        root.full_clean()


# --- publication ---------------------------------------------------------------------------


def test_publishing_a_course_without_lessons_is_refused():
    course = CourseFactory(draft=True)
    ModuleFactory(course=course)  # a module alone is not content
    with pytest.raises(ApplicationError) as exc:
        services.course_publish(course=course)
    assert exc.value.code == "course_empty"
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_the_first_publication_date_is_kept_when_publishing_again():
    course = course_with_lessons(draft=True)
    with time_machine.travel("2025-01-10 09:00Z", tick=False):
        services.course_publish(course=course)
    services.course_unpublish(course=course)
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT
    with time_machine.travel("2025-03-01 09:00Z", tick=False):
        services.course_publish(course=course)
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert course.published_at.isoformat() == "2025-01-10T09:00:00+00:00"


def test_an_unknown_status_is_refused():
    course = course_with_lessons()
    with pytest.raises(ApplicationError) as exc:
        services.course_set_status(course=course, status="deleted")
    assert "status" in exc.value.extra["errors"]


def test_archiving_keeps_the_course_for_its_instructors_only():
    course = course_with_lessons()
    services.course_set_status(course=course, status=Course.Status.ARCHIVED)
    assert not selectors.course_list_for(None).filter(pk=course.pk).exists()
    assert selectors.course_list_for(course.instructors.get()).filter(pk=course.pk).exists()


# --- duplication ---------------------------------------------------------------------------


def test_duplicate_copies_the_outline_as_a_draft_and_leaves_the_source_alone():
    source = CourseFactory(title="Python", slug="python", is_featured=True, enrollment_count=12)
    first = ModuleFactory(course=source, position=1, title="Basics")
    second = ModuleFactory(course=source, position=2, title="Files")
    intro = LessonFactory(module=first, position=1, title="Intro", is_preview=True)
    LessonFactory(module=first, position=2, title="Types")
    LessonFactory(module=second, position=1, title="open()")
    attachment = AttachmentFactory(lesson=intro)
    prerequisite = CourseFactory()
    source.prerequisites.add(prerequisite)
    duplicator = InstructorFactory()

    copy = services.course_duplicate(course=source, instructor=duplicator)

    assert copy.pk != source.pk
    assert (copy.title, copy.slug, copy.status) == ("Python (copy)", "python-copy", Course.Status.DRAFT)
    assert (copy.published_at, copy.is_featured, copy.enrollment_count) == (None, False, 0)
    assert set(copy.instructors.all()) == {*source.instructors.all(), duplicator}
    assert list(copy.prerequisites.all()) == [prerequisite]
    outline = [
        (m.title, [ls.title for ls in m.lessons.order_by("position")]) for m in copy.modules.order_by("position")
    ]
    assert outline == [("Basics", ["Intro", "Types"]), ("Files", ["open()"])]
    assert Lesson.objects.filter(course=copy).count() == 3  # the denormalised course follows the module
    copied = Attachment.objects.get(lesson__course=copy)
    assert copied.file.name == attachment.file.name  # the stored file is shared, not copied
    assert Lesson.objects.filter(course=source).count() == 3
    assert Module.objects.filter(course=source).count() == 2
    source.refresh_from_db()
    assert source.status == Course.Status.PUBLISHED


def test_duplicating_twice_gives_distinct_slugs():
    source = CourseFactory(slug="sql")
    assert services.course_duplicate(course=source).slug == "sql-copy"
    assert services.course_duplicate(course=source).slug == "sql-copy-2"


# --- modules and lessons -------------------------------------------------------------------


def test_new_modules_and_lessons_go_to_the_end():
    course = CourseFactory()
    m1 = services.module_create(course=course, data={"title": "One"})
    m2 = services.module_create(course=course, data={"title": "Two"})
    l1 = services.lesson_create(module=m1, data={"title": "a"})
    l2 = services.lesson_create(module=m1, data={"title": "b"})
    assert (m1.position, m2.position) == (1, 2)
    assert (l1.position, l2.position) == (1, 2)
    assert l1.course_id == course.pk


def test_outline_order_follows_positions_and_is_editable():
    course = CourseFactory()
    m1 = services.module_create(course=course, data={"title": "First"})
    m2 = services.module_create(course=course, data={"title": "Second"})
    a = services.lesson_create(module=m1, data={"title": "a"})
    b = services.lesson_create(module=m1, data={"title": "b"})
    c = services.lesson_create(module=m1, data={"title": "c"})

    def outline():
        loaded = selectors.course_get_for(None, course.slug)
        return [(m.title, [ls.title for ls in m.lessons.all()]) for m in selectors.course_outline(loaded)]

    assert outline() == [("First", ["a", "b", "c"]), ("Second", [])]
    services.lesson_update(lesson=c, data={"position": 0})
    services.module_update(module=m2, data={"position": 0})
    assert outline() == [("Second", []), ("First", ["c", "a", "b"])]
    # Equal positions keep a stable order (creation order), never a random one.
    services.lesson_update(lesson=a, data={"position": 5})
    services.lesson_update(lesson=b, data={"position": 5})
    assert outline() == [("Second", []), ("First", ["c", "a", "b"])]


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_video_lessons_accept_youtube_and_vimeo_links(url, embed):
    module = ModuleFactory()
    lesson = services.lesson_create(module=module, data={"title": "V", "kind": "video", "video_url": url})
    assert lesson.video_embed_url == embed


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://www.youtube.com/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com.evil.example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com@evil.example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=../../evil",
        "https://vimeo.com/not-a-number",
        "ftp://vimeo.com/76979871",
    ],
)
def test_video_links_to_other_hosts_or_schemes_are_refused(url):
    module = ModuleFactory()
    with pytest.raises(ApplicationError) as exc:
        services.lesson_create(module=module, data={"title": "V", "kind": "video", "video_url": url})
    assert "video_url" in exc.value.extra["errors"]
    assert not Lesson.objects.exists()


def test_a_video_lesson_needs_a_video():
    with pytest.raises(ApplicationError) as exc:
        services.lesson_create(module=ModuleFactory(), data={"title": "V", "kind": "video"})
    assert "video_url" in exc.value.extra["errors"]


def test_lesson_update_refuses_a_bad_video_link_and_keeps_the_old_one():
    lesson = LessonFactory(kind="video", video_url="https://youtu.be/dQw4w9WgXcQ")
    with pytest.raises(ApplicationError):
        services.lesson_update(lesson=lesson, data={"video_url": "https://evil.example.com/x"})
    lesson.refresh_from_db()
    assert lesson.video_url == "https://youtu.be/dQw4w9WgXcQ"


def test_popularity_counter_moves_with_enrollments():
    course = CourseFactory()
    services.course_enrollment_count_adjust(course_id=course.pk, delta=1)
    services.course_enrollment_count_adjust(course_id=course.pk, delta=1)
    services.course_enrollment_count_adjust(course_id=course.pk, delta=-1)
    course.refresh_from_db()
    assert course.enrollment_count == 1


# --- the catalog cache version -------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: services.course_update(course=c, data={"title": "New"}), id="course"),
        pytest.param(lambda c: services.module_create(course=c, data={"title": "M"}), id="module"),
        pytest.param(lambda c: services.lesson_update(lesson=c.lessons.first(), data={"title": "L"}), id="lesson"),
        pytest.param(lambda c: services.course_unpublish(course=c), id="status"),
        pytest.param(lambda c: c.instructors.add(InstructorFactory()), id="instructors"),
        pytest.param(lambda c: c.lessons.first().delete(), id="lesson-delete"),
    ],
)
def test_every_catalog_change_bumps_the_cache_version_once_committed(change, django_capture_on_commit_callbacks):
    course = course_with_lessons()
    before = cache.catalog_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(course)
    assert cache.catalog_version() == before  # nothing moves before the commit
    for callback in callbacks:
        callback()
    assert cache.catalog_version() > before


@pytest.mark.parametrize("role", ["learner", "inactive instructor"])
def test_only_an_active_instructor_or_staff_can_create_a_course_whatever_the_door(role):
    from accounts.tests.factories import UserFactory
    from lms.exceptions import PermissionDeniedError

    user = UserFactory() if role == "learner" else InstructorFactory(is_active=False)
    with pytest.raises(PermissionDeniedError):
        services.course_create(instructor=user, data={"title": "Not mine to make"})
    assert not Course.objects.filter(title="Not mine to make").exists()
