"""Course authoring in the admin: instructors see and change only what they teach, staff
see everything, and status changes go through the publication rule."""

import pytest
from django import forms
from django.contrib.messages import get_messages

from courses.models import Course, Lesson, Module
from courses.tests.factories import (
    Cast,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    course_with_lessons,
)

pytestmark = pytest.mark.django_db

COURSES = "/admin/courses/course/"
MODULES = "/admin/courses/module/"
LESSONS = "/admin/courses/lesson/"


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def catalog(cast):
    """The owner's published course and draft; another instructor's published course and draft."""
    own = course_with_lessons(slug="own", title="Own Course", instructors=[cast.owner])
    own_draft = CourseFactory(slug="own-draft", title="Own Draft", draft=True, instructors=[cast.owner])
    theirs = course_with_lessons(slug="theirs", title="Their Course", instructors=[cast.other_instructor])
    their_draft = course_with_lessons(
        slug="their-draft", title="Their Secret Draft", draft=True, instructors=[cast.other_instructor]
    )
    return {"own": own, "own_draft": own_draft, "theirs": theirs, "their_draft": their_draft}


def _changelist(client, url, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def _form_data(response) -> dict:
    """The POST data of an admin change form as rendered: main form and inline formsets."""
    data = {}

    def add_form(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or field.disabled or isinstance(field, forms.FileField):
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = value

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.forms:
            add_form(form)
    return data


# --- who sees what -------------------------------------------------------------------------


def test_an_instructor_lists_only_the_courses_they_teach(client, cast, catalog):
    client.force_login(cast.owner)
    assert {c.slug for c in _changelist(client, COURSES)} == {"own", "own-draft"}
    page = client.get(COURSES).content
    assert b"Their Secret Draft" not in page


def test_an_instructor_lists_only_their_modules_and_lessons(client, cast, catalog):
    client.force_login(cast.owner)
    assert {m.course.slug for m in _changelist(client, MODULES)} == {"own"}
    assert {ls.course.slug for ls in _changelist(client, LESSONS)} == {"own"}
    assert len(_changelist(client, LESSONS)) == 2


def test_a_co_taught_course_is_listed_once_with_each_of_its_rows_once(client, cast, catalog):
    """The instructor scope is an EXISTS (courses.access.scope_to_teaching): a course with
    two instructors repeats no row, and no DISTINCT is needed to hide that."""
    own = catalog["own"]
    own.instructors.add(cast.other_instructor)
    for instructor in (cast.owner, cast.other_instructor):
        client.force_login(instructor)
        assert [c.slug for c in _changelist(client, COURSES)].count("own") == 1
        lessons = [ls.pk for ls in _changelist(client, LESSONS) if ls.course_id == own.pk]
        assert sorted(lessons) == sorted(own.lessons.values_list("pk", flat=True))


def test_staff_list_everything(client, cast, catalog):
    client.force_login(cast.staff)
    assert {c.slug for c in _changelist(client, COURSES)} == {"own", "own-draft", "theirs", "their-draft"}
    assert len(_changelist(client, LESSONS)) == 6


def test_an_instructor_cannot_open_another_instructors_objects(client, cast, catalog):
    client.force_login(cast.owner)
    their_draft = catalog["their_draft"]
    module = their_draft.modules.first()
    lesson = their_draft.lessons.first()
    for url in (
        f"{COURSES}{their_draft.pk}/change/",
        f"{COURSES}{catalog['theirs'].pk}/change/",
        f"{MODULES}{module.pk}/change/",
        f"{LESSONS}{lesson.pk}/change/",
        f"{LESSONS}{lesson.pk}/delete/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url  # "doesn't exist", back to the admin index
        assert response["Location"] == "/admin/"
        assert b"Their Secret Draft" not in client.get(response["Location"]).content


def test_an_instructor_cannot_change_another_instructors_course_by_posting(client, cast, catalog):
    client.force_login(cast.owner)
    theirs = catalog["theirs"]
    client.post(f"{COURSES}{theirs.pk}/change/", {"title": "Hijacked", "slug": "theirs"})
    theirs.refresh_from_db()
    assert theirs.title == "Their Course"


@pytest.mark.parametrize("role", ["anonymous", "learner"])
def test_learners_and_visitors_are_kept_out_of_the_admin(client, cast, catalog, role):
    if cast[role] is not None:
        client.force_login(cast[role])
    response = client.get(COURSES)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_lesson_form_offers_only_the_instructors_own_modules(client, cast, catalog):
    client.force_login(cast.owner)
    form = client.get(f"{LESSONS}add/").context["adminform"].form
    assert {m.course.slug for m in form.fields["module"].queryset} == {"own"}


def test_a_lesson_cannot_be_added_to_another_instructors_module(client, cast, catalog):
    client.force_login(cast.owner)
    foreign = catalog["theirs"].modules.first()
    response = client.post(
        f"{LESSONS}add/",
        {
            "module": foreign.pk,
            "title": "Planted",
            "kind": "text",
            "position": 1,
            "estimated_minutes": 5,
            "is_required": "on",
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "module" in response.context["adminform"].form.errors
    assert not Lesson.objects.filter(title="Planted").exists()


def test_prerequisite_choices_never_include_another_instructors_draft(client, cast, catalog):
    client.force_login(cast.owner)
    form = client.get(f"{COURSES}{catalog['own'].pk}/change/").context["adminform"].form
    choices = {c.slug for c in form.fields["prerequisites"].queryset}
    assert "their-draft" not in choices
    assert {"theirs", "own-draft"} <= choices


def test_instructors_cannot_feature_their_course_on_the_home_page(client, cast, catalog):
    client.force_login(cast.owner)
    form = client.get(f"{COURSES}{catalog['own'].pk}/change/").context["adminform"].form
    assert "is_featured" not in form.fields
    assert "status" not in form.fields


# --- editing -------------------------------------------------------------------------------


def test_an_instructor_edits_their_course_and_module_order_in_the_admin(client, cast, catalog):
    own = catalog["own"]
    second = ModuleFactory(course=own, title="Second", position=5)
    client.force_login(cast.owner)
    url = f"{COURSES}{own.pk}/change/"
    data = _form_data(client.get(url))
    data["title"] = "Own Course, revised"
    for i in range(int(data["modules-TOTAL_FORMS"])):
        if str(data[f"modules-{i}-id"]) == str(second.pk):
            data[f"modules-{i}-position"] = 0
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    own.refresh_from_db()
    assert own.title == "Own Course, revised"
    assert own.modules.order_by("position", "id").first().title == "Second"
    assert cast.owner in own.instructors.all()


def test_an_instructor_who_adds_a_course_teaches_it(client, cast):
    client.force_login(cast.owner)
    data = _form_data(client.get(f"{COURSES}add/"))
    data.update({"title": "Fresh from the admin", "slug": "fresh", "level": "beginner", "language": "en"})
    response = client.post(f"{COURSES}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    course = Course.objects.get(slug="fresh")
    assert course.status == Course.Status.DRAFT
    assert list(course.instructors.all()) == [cast.owner]


# --- actions -------------------------------------------------------------------------------


def _act(client, action, *courses):
    return client.post(COURSES, {"action": action, "_selected_action": [c.pk for c in courses]}, follow=True)


def test_publish_and_unpublish_actions(client, cast):
    course = course_with_lessons(slug="c", draft=True, instructors=[cast.owner])
    client.force_login(cast.owner)
    _act(client, "publish", course)
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert course.published_at is not None
    _act(client, "unpublish", course)
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_publishing_an_empty_course_is_refused_with_a_message(client, cast):
    empty = CourseFactory(slug="empty", title="Empty One", draft=True, instructors=[cast.owner])
    ready = course_with_lessons(slug="ready", draft=True, instructors=[cast.owner])
    client.force_login(cast.owner)
    response = _act(client, "publish", empty, ready)
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert ("error", "Empty One: A course needs at least one lesson before it is published.") in messages
    assert ("success", "1 course(s) updated.") in messages
    empty.refresh_from_db()
    ready.refresh_from_db()
    assert (empty.status, ready.status) == (Course.Status.DRAFT, Course.Status.PUBLISHED)


def test_actions_never_reach_another_instructors_course(client, cast, catalog):
    client.force_login(cast.owner)
    _act(client, "unpublish", catalog["theirs"])
    _act(client, "duplicate", catalog["their_draft"])
    catalog["theirs"].refresh_from_db()
    assert catalog["theirs"].status == Course.Status.PUBLISHED
    assert not Course.objects.filter(slug__startswith="their-draft-copy").exists()


def test_duplicate_action_makes_a_draft_copy_the_instructor_can_edit(client, cast, catalog):
    client.force_login(cast.owner)
    response = _act(client, "duplicate", catalog["own"])
    copy = Course.objects.get(slug="own-copy")
    assert copy.status == Course.Status.DRAFT
    assert cast.owner in copy.instructors.all()
    assert copy.lessons.count() == 2
    assert any("Own Course (copy)" in str(m) for m in get_messages(response.wsgi_request))
    assert {c.slug for c in _changelist(client, COURSES)} == {"own", "own-draft", "own-copy"}


def test_staff_publish_any_course(client, cast, catalog):
    client.force_login(cast.staff)
    _act(client, "publish", catalog["their_draft"])
    catalog["their_draft"].refresh_from_db()
    assert catalog["their_draft"].status == Course.Status.PUBLISHED


def test_an_admin_action_invalidates_the_public_catalog(client, api_client, cast, django_capture_on_commit_callbacks):
    course = course_with_lessons(slug="live", instructors=[cast.owner])
    assert [c["slug"] for c in api_client.get("/api/v1/courses/").json()["results"]] == ["live"]
    client.force_login(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "unpublish", course)
    assert api_client.get("/api/v1/courses/").json()["results"] == []


def test_deleting_a_lesson_in_the_admin_keeps_the_others_in_order(client, cast):
    course = CourseFactory(instructors=[cast.owner])
    module = ModuleFactory(course=course)
    first, middle, last = (LessonFactory(module=module, position=p) for p in (1, 2, 3))
    client.force_login(cast.owner)
    response = client.post(f"{LESSONS}{middle.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Module.objects.get(pk=module.pk).lessons.order_by("position", "id")) == [first, last]


def test_the_prerequisite_autocomplete_never_reveals_another_instructors_draft(client, cast, catalog):
    client.force_login(cast.owner)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "courses", "model_name": "course", "field_name": "prerequisites", "term": ""},
    )
    assert response.status_code == 200
    texts = {r["text"] for r in response.json()["results"]}
    assert "Their Secret Draft" not in texts
    assert "Own Draft" in texts
