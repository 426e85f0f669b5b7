"""The permission matrix: every route the project resolves, and what each role gets.

Roles: anonymous, learner A (enrolled, owns the attempt, enrollment and certificate),
learner B (another learner), the course's instructor, another instructor, staff. A route
missing from MATRIX fails `test_every_route_is_in_the_matrix`, so a new endpoint cannot
ship without its row. GET is checked for every route; the write rules (POST, PATCH) live in
each app's own tests, and a few cross-app write checks are at the end of this file.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import AdminFactory, UserFactory
from certificates import services as certificate_services
from courses.models import Attachment, Course, Lesson, Module
from enrollments import services as enrollment_services
from quizzes import services as quiz_services
from quizzes.models import Quiz
from quizzes.tests.factories import single

ROLES = ("anon", "learner_a", "learner_b", "owner", "other_instructor", "staff")


def row(anon, learner_a, learner_b, owner, other_instructor, staff) -> dict[str, int]:
    return dict(zip(ROLES, (anon, learner_a, learner_b, owner, other_instructor, staff), strict=True))


def everyone(status: int) -> dict[str, int]:
    return row(*(status,) * 6)


# A learner's own object (enrollment, attempt): the owner and the course's instructor and
# staff see it; everyone else gets 404, never 403 (existence is not leaked).
OWN_OR_TEACHER = row(401, 200, 404, 200, 404, 200)
OWN_ONLY = row(401, 200, 404, 404, 404, 404)
AUTH_GET_405 = row(401, 405, 405, 405, 405, 405)  # POST-only endpoints that need a login
PAGE_LOGIN_405 = row(302, 405, 405, 405, 405, 405)  # POST-only pages behind login_required
LESSON_CONTENT = row(403, 200, 403, 200, 403, 200)
STAFF_ONLY = row(401, 403, 403, 403, 403, 200)
TEACHERS_403 = row(401, 403, 403, 200, 403, 200)

# route name -> (url kwargs builder key, expected GET status per role)
MATRIX: dict[str, tuple[str | None, dict[str, int]]] = {
    # API
    "api-root": (None, everyone(200)),
    "api-schema": (None, everyone(200)),
    "api-docs": (None, everyone(200)),
    "health-stack": (None, everyone(200)),
    "auth-register": (None, everyone(405)),
    "auth-token": (None, everyone(405)),
    "auth-token-refresh": (None, everyone(405)),
    "auth-logout": (None, AUTH_GET_405),
    "auth-me": (None, row(401, 200, 200, 200, 200, 200)),
    "auth-password-reset": (None, everyone(405)),
    "auth-password-reset-confirm": (None, everyone(405)),
    "course-list": (None, everyone(200)),
    "course-detail": ("course", everyone(200)),
    "course-modules": ("course", everyone(200)),
    "course-create-lesson": ("module", everyone(405)),  # POST-only; reads need no login
    "course-module-order": ("course", everyone(405)),  # PUT only, for teachers (reads need no login)
    "module-detail": ("module_pk", everyone(200)),
    "module-lesson-order": ("module_pk", AUTH_GET_405),  # PUT only, for teachers
    "category-list": (None, everyone(200)),
    "category-detail": ("category", everyone(200)),
    "lesson-detail": ("lesson", LESSON_CONTENT),
    "lesson-attachment": ("attachment", LESSON_CONTENT),
    "lesson-complete": ("lesson", AUTH_GET_405),
    "lesson-video-progress": ("lesson", AUTH_GET_405),
    "enrollment-list": (None, row(401, 200, 200, 200, 200, 200)),
    "enrollment-detail": ("enrollment", OWN_OR_TEACHER),
    "enrollment-progress": ("enrollment", OWN_OR_TEACHER),
    "quiz-detail": ("quiz", everyone(200)),
    "quiz-create": (None, AUTH_GET_405),  # POST only, for teachers
    "assignment-detail": ("assignment", everyone(200)),
    "course-assignments": ("course", everyone(200)),
    # Your own submissions (everyone's for the course's teachers); POST hands work in.
    "assignment-submissions": ("assignment", row(401, 200, 200, 200, 200, 200)),
    "assignment-release": ("assignment", AUTH_GET_405),  # POST only, for teachers
    "submission-detail": ("submission", OWN_OR_TEACHER),
    "submission-file": ("submission_file", OWN_OR_TEACHER),
    "submission-feedback-file": ("feedback_file", OWN_OR_TEACHER),  # the learner's once released
    "submission-grade": ("submission", AUTH_GET_405),  # POST only, for teachers
    "course-grades": ("course", TEACHERS_403),  # the gradebook grid
    "course-grades-mine": ("course", row(401, 200, 404, 404, 404, 404)),  # a learner's own
    # Questions with their keys: the course's teachers (403 for those who see the course).
    "quiz-questions": ("quiz", TEACHERS_403),
    "quiz-question-order": ("quiz", AUTH_GET_405),
    "question-detail": ("question", TEACHERS_403),
    "question-duplicate": ("question", AUTH_GET_405),
    "quiz-attempts": ("quiz", row(401, 200, 200, 200, 200, 200)),
    "attempt-detail": ("attempt", OWN_OR_TEACHER),
    "attempt-submit": ("attempt", AUTH_GET_405),
    "certificate-list": (None, row(401, 200, 200, 200, 200, 200)),
    "certificate-detail": ("certificate", OWN_ONLY),
    "certificate-download": ("certificate", OWN_ONLY),
    "certificate-verify": ("code", everyone(200)),
    "webhook-list": (None, STAFF_ONLY),
    "webhook-detail": ("webhook", row(401, 403, 403, 403, 403, 200)),
    "webhook-deliveries": ("webhook", row(401, 403, 403, 403, 403, 200)),
    "webhook-replay-dead": ("webhook", row(401, 403, 403, 403, 403, 405)),
    "course-bulk-enrol": ("course", AUTH_GET_405),  # POST-only; the write rules: enrollments/tests/test_bulk.py
    # An export is seen only by the person who asked for it (the owner here), staff included.
    "export-list": (None, row(401, 403, 403, 200, 200, 200)),
    "export-detail": ("export", row(401, 403, 403, 200, 404, 404)),
    "export-download": ("export", row(401, 403, 403, 200, 404, 404)),
    # The instructor home's numbers: a course's for its instructors and staff only.
    "analytics-overview": (None, row(401, 403, 403, 200, 200, 200)),
    "analytics-course": ("course", row(401, 404, 404, 200, 404, 200)),
    "analytics-site": (None, STAFF_ONLY),
    "analytics-me": (None, row(401, 200, 200, 200, 200, 200)),
    "analytics-remind": (None, row(401, 403, 403, 405, 405, 405)),  # POST only, for teachers
    # Pages
    "courses:home": (None, everyone(200)),
    "courses:catalog": (None, everyone(200)),
    "courses:detail": ("course_slug", everyone(200)),
    "enrollments:dashboard": (None, row(302, 200, 200, 200, 200, 200)),
    "enrollments:enrol": ("course_slug", PAGE_LOGIN_405),
    "enrollments:drop": ("course_slug", PAGE_LOGIN_405),
    # A learner's own finish line: anyone not enrolled gets 404, the course's staff too.
    "enrollments:finished": ("course_slug", row(302, 200, 404, 404, 404, 404)),
    "enrollments:lesson": ("lesson_page", LESSON_CONTENT),
    "enrollments:lesson_complete": ("lesson_page", PAGE_LOGIN_405),
    "enrollments:attachment": ("attachment_page", row(404, 200, 404, 200, 404, 200)),
    "enrollments:video": ("video_page", row(404, 200, 404, 200, 404, 200)),
    "quizzes:detail": ("quiz_page", everyone(200)),
    "quizzes:start": ("quiz_page", PAGE_LOGIN_405),
    "quizzes:attempt": ("attempt_page", row(302, 200, 404, 200, 404, 200)),
    "assignments:detail": ("assignment", everyone(200)),
    "assignments:file": ("submission_file", row(302, 200, 404, 200, 404, 200)),
    "assignments:feedback_file": ("feedback_file", row(302, 200, 404, 200, 404, 200)),
    "grades:mine": ("course_slug", row(302, 200, 404, 404, 404, 404)),
    "certificates:lookup": (None, everyone(200)),
    "certificates:verify": ("code", everyone(200)),
    "certificates:download": ("certificate_page", row(302, 200, 404, 404, 404, 404)),
    "reports:download": ("export_page", row(302, 404, 404, 200, 404, 404)),
    "reports:remind": (None, everyone(405)),  # POST only
    # One learner in one course (lessons, attempts): their course's instructors and staff.
    "reports:learner": ("enrollment_page", row(302, 404, 404, 200, 404, 200)),
    "accounts:signup": (None, row(200, 302, 302, 302, 302, 302)),
    "accounts:login": (None, row(200, 302, 302, 302, 302, 302)),
    "accounts:logout": (None, everyone(405)),
    "accounts:profile": (None, row(302, 200, 200, 200, 200, 200)),
    "accounts:delete": (None, row(302, 200, 200, 200, 200, 200)),
    "accounts:password_change": (None, row(302, 200, 200, 200, 200, 200)),
    "accounts:password_reset": (None, everyone(200)),
    "accounts:password_reset_done": (None, everyone(200)),
    "accounts:password_reset_confirm": ("reset_link", everyone(200)),
    "accounts:password_reset_complete": (None, everyone(200)),
    "accounts:language": (None, everyone(405)),
    "brand-css": (None, everyone(200)),  # POST only: sets the language (kept on the profile)
}

# Draft courses do not exist for the public.
DRAFT_MATRIX = {
    "course-detail": row(404, 404, 404, 200, 404, 200),
    "courses:detail": row(404, 404, 404, 200, 404, 200),
    "lesson-detail": row(404, 404, 404, 200, 404, 200),
    "quiz-detail": row(404, 404, 404, 200, 404, 200),
    "module-detail": row(404, 404, 404, 200, 404, 200),
    "quiz-questions": row(401, 404, 404, 200, 404, 200),
    "assignment-detail": row(404, 404, 404, 200, 404, 200),
    "course-assignments": row(404, 404, 404, 200, 404, 200),
    "assignments:detail": row(404, 404, 404, 200, 404, 200),
}


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # the admin is checked by test_admin_is_for_staff below
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_in_the_matrix():
    missing = sorted(_route_names() - set(MATRIX))
    assert not missing, f"routes without a permission row: {missing}"
    stale = sorted(set(MATRIX) - _route_names())
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture
def world(db):
    owner = UserFactory(email="owner@example.com")
    other = UserFactory(email="other-instructor@example.com")
    for instructor in (owner, other):
        account_services.user_set_role(user=instructor, role=User.Role.INSTRUCTOR)
    course = Course.objects.create(title="Matrix", slug="matrix", status="published", published_at=timezone.now())
    course.instructors.add(owner)
    module = Module.objects.create(course=course, title="M", position=1)
    lesson = Lesson.objects.create(module=module, course=course, title="Locked", position=1)
    from django.core.files.base import ContentFile

    attachment = Attachment(lesson=lesson, title="Notes")
    attachment.file.save("notes.txt", ContentFile(b"plain notes"), save=False)
    attachment.save()
    # An optional video lesson (the course's completion does not wait for it).
    video = Lesson(module=module, course=course, title="Film", kind="video", position=2, is_required=False)
    video.video_file.save("film.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + bytes(64)), save=False)
    video.save()
    quiz = Quiz.objects.create(module=module, title="Q", pass_mark=0)
    question = single(quiz)
    learner_a, learner_b = UserFactory(email="a@example.com"), UserFactory(email="b@example.com")
    enrollment, _ = enrollment_services.enrollment_create(user=learner_a, course=course)
    attempt, _ = quiz_services.attempt_start(user=learner_a, quiz=quiz)
    enrollment = enrollment_services.lesson_complete(user=learner_a, lesson=lesson).enrollment
    quiz_services.attempt_submit(attempt=attempt)
    certificate = certificate_services.certificate_process(enrollment_id=enrollment.pk)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    users = {
        "anon": None,
        "learner_a": learner_a,
        "learner_b": learner_b,
        "owner": owner,
        "other_instructor": other,
        "staff": AdminFactory(),
    }
    from courses.models import Category

    category = Category.objects.create(name="Cat", slug="cat")
    kwargs = {
        "course": {"slug": course.slug},
        "course_slug": {"slug": course.slug},
        "module": {"slug": course.slug, "module_id": module.pk},
        "module_pk": {"module_id": module.pk},
        "question": {"question_id": question.pk},
        "category": {"pk": category.pk},
        "lesson": {"lesson_id": lesson.pk},
        "attachment": {"lesson_id": lesson.pk, "attachment_id": attachment.pk},
        "lesson_page": {"slug": course.slug, "lesson_id": lesson.pk},
        "attachment_page": {"slug": course.slug, "lesson_id": lesson.pk, "attachment_id": attachment.pk},
        "video_page": {"slug": course.slug, "lesson_id": video.pk},
        "enrollment": {"pk": enrollment.pk},
        "enrollment_page": {"enrollment_id": enrollment.pk},
        "quiz": {"quiz_id": quiz.pk},
        "quiz_page": {"quiz_id": quiz.pk},
        "attempt": {"attempt_id": attempt.pk},
        "attempt_page": {"attempt_id": attempt.pk},
        "certificate": {"pk": certificate.pk},
        "certificate_page": {"certificate_id": certificate.pk},
        "code": {"code": certificate.code},
        # A used or forged link shows the "link no longer works" page to anyone (a valid
        # one redirects to the form; accounts/tests/test_views.py covers that flow).
        "reset_link": {"uidb64": urlsafe_base64_encode(force_bytes(learner_b.pk)), "token": "set-bad-token"},
    }
    from webhooks.models import WebhookSubscription

    webhook = WebhookSubscription.objects.create(url="https://hooks.example.com/lms", events=["user.registered"])
    kwargs["webhook"] = {"pk": webhook.pk}
    from reports import services as report_services

    export, _ = report_services.export_request(user=owner, kind="enrollments", course=course)
    report_services.export_build(export_id=export.pk)
    kwargs["export"] = {"pk": export.pk}
    kwargs["export_page"] = {"export_id": export.pk}
    from assignments import services as assignment_services
    from assignments.models import Assignment

    task = Assignment.objects.create(module=module, title="Essay", accept_files=True, is_required=False)
    submission, _ = assignment_services.submission_save(
        user=learner_a, assignment=task, text="mine", files=[ContentFile(b"my notes", name="notes.txt")]
    )
    kwargs["assignment"] = {"assignment_id": task.pk}
    kwargs["submission"] = {"submission_id": submission.pk}
    kwargs["submission_file"] = {"submission_id": submission.pk, "file_id": submission.files.get().pk}
    graded = assignment_services.submission_grade(
        submission=submission, score=1, feedback="", by=owner, version=submission.version,
        feedback_files=[ContentFile(b"marked up", name="marked.txt")],
    )  # fmt: skip
    kwargs["feedback_file"] = {"submission_id": graded.pk, "file_id": graded.feedback_files.get().pk}
    return {"users": users, "kwargs": kwargs, "course": course}


def _get(client, api_client, user, url):
    if url.startswith("/api/"):
        api_client.force_authenticate(user)
        return api_client.get(url)
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(name, world, client, api_client):
    from django.urls import reverse

    builder, expected = MATRIX[name]
    url = reverse(name, kwargs=world["kwargs"][builder] if builder else None)
    responses = {role: _get(client, api_client, world["users"][role], url) for role in ROLES}
    got = {role: response.status_code for role, response in responses.items()}
    assert got == expected, f"{name} {url}"
    for role, response in responses.items():
        cache_control = response.get("Cache-Control", "")
        if role != "anon" and name not in NOT_PERSONAL:
            # Whatever the status: an answer to a signed-in user is theirs alone.
            assert "private" in cache_control and "no-store" in cache_control, f"{name} as {role}: {cache_control!r}"
        elif name in PUBLIC_CACHEABLE:
            assert "private" not in cache_control and "no-store" not in cache_control, f"{name}: {cache_control!r}"
        if url.startswith("/api/"):
            assert "Authorization" in response.get("Vary", ""), f"{name} as {role}"


# The stack-ceiling probe reads no user at all (and, with a real token, the Authorization
# header alone makes it private: lms/tests/test_caching_headers.py).
NOT_PERSONAL = {"health-stack"}
# What an anonymous client gets here is the same for everyone: shared caches may keep it.
# (Pages are not listed: each carries a CSRF token for its language form, with its cookie,
# so even an anonymous page is private.)
PUBLIC_CACHEABLE = {
    "course-list",
    "course-detail",
    "course-modules",
    "category-list",
    "category-detail",
    "quiz-detail",
    "certificate-verify",
}


@pytest.mark.parametrize("name", sorted(DRAFT_MATRIX))
def test_draft_course_routes_are_hidden_from_the_public(name, world, client, api_client):
    from django.urls import reverse

    Course.objects.filter(pk=world["course"].pk).update(status="draft")
    builder, _ = MATRIX[name]
    url = reverse(name, kwargs=world["kwargs"][builder])
    got = {role: _get(client, api_client, world["users"][role], url).status_code for role in ROLES}
    expected = dict(DRAFT_MATRIX[name])
    if name == "lesson-detail":
        # An enrolled learner of a course turned back into a draft no longer sees it either.
        expected["learner_a"] = 404
    assert got == expected, f"{name} {url}"


def test_admin_is_for_staff_and_instructors_only(world, client):
    expected = {"anon": 302, "learner_a": 302, "learner_b": 302, "owner": 200, "other_instructor": 200, "staff": 200}
    got = {}
    for role, user in world["users"].items():
        client.logout()
        if user is not None:
            client.force_login(user)
        got[role] = client.get("/admin/").status_code
    assert got == expected


def test_instructors_only_reach_their_own_course_in_the_admin(world, client):
    course = world["course"]
    client.force_login(world["users"]["other_instructor"])
    assert client.get(f"/admin/courses/course/{course.pk}/change/").status_code == 302
    client.force_login(world["users"]["owner"])
    assert client.get(f"/admin/courses/course/{course.pk}/change/").status_code == 200


# --- writes that try to widen scope or assign what is not theirs --------------------------------


def test_filters_cannot_widen_a_learners_view(world, api_client):
    api_client.force_authenticate(world["users"]["learner_b"])
    for query in ("?user=" + str(world["users"]["learner_a"].pk), "?course=matrix", "?status=active"):
        assert api_client.get(f"/api/v1/enrollments/{query}").json()["results"] == []


def test_mass_assignment_is_ignored_on_enrol(world, api_client):
    learner_b = world["users"]["learner_b"]
    api_client.force_authenticate(learner_b)
    response = api_client.post(
        "/api/v1/enrollments/",
        {
            "course": "matrix",
            "user": world["users"]["learner_a"].pk,
            "status": "completed",
            "completed_at": "2000-01-01",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["id"] == learner_b.pk and body["status"] == "active"


def test_other_instructor_cannot_edit_a_course_or_its_lessons(world, api_client):
    api_client.force_authenticate(world["users"]["other_instructor"])
    assert api_client.patch("/api/v1/courses/matrix/", {"title": "Mine now"}, format="json").status_code == 403
    lesson_id = world["kwargs"]["lesson"]["lesson_id"]
    assert api_client.patch(f"/api/v1/lessons/{lesson_id}/", {"title": "x"}, format="json").status_code == 403
    assert api_client.post("/api/v1/courses/matrix/modules/", {"title": "x"}, format="json").status_code == 403


def test_learner_cannot_create_courses(world, api_client):
    api_client.force_authenticate(world["users"]["learner_a"])
    assert api_client.post("/api/v1/courses/", {"title": "Nope"}, format="json").status_code == 403


def test_nested_url_with_a_foreign_parent_is_404(world, api_client):
    other_course = Course.objects.create(title="Other", slug="other", status="published", published_at=timezone.now())
    other_course.instructors.add(world["users"]["owner"])
    module_id = world["kwargs"]["module"]["module_id"]
    api_client.force_authenticate(world["users"]["owner"])
    response = api_client.post(f"/api/v1/courses/other/modules/{module_id}/lessons/", {"title": "x"}, format="json")
    assert response.status_code == 404
