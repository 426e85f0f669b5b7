"""Every admin page a person can open, walked as they would: the list, the add form and the
change form of every registered model (the project's and the libraries'), each submitted
back as the browser would send it, blank and as shown, with its inlines; then a lesson of
every kind added from the module's lesson inline and a question of every kind from the
quiz's question inline. None may end in a 500: a refusal is a page with the error on it.

Parametrised over the admin registry, so a new admin is covered without a new test."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from courses.models import Lesson, Module
from lms import admin as lms_admin
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
OURS = {"accounts", "courses", "enrollments", "quizzes", "assignments", "grades", "certificates", "webhooks", "reports"}


class _Form(HTMLParser):
    """The fields of the page's main form (`<form id="…_form">`), as a browser sends them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            else:
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self.data.setdefault(name, [])
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.data[self._select].append(value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and not self._multiple and self._select_first is not None:
                self.data[self._select].append(self._select_first)
            self._select = None
        elif tag == "textarea" and self._textarea:
            value = self.data[self._textarea][-1]  # a browser drops the newline after <textarea>
            self.data[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(html: str) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if k}


def _flat(data: dict[str, list[str]]) -> dict:
    return {k: v if len(v) != 1 else v[0] for k, v in data.items()}


@pytest.fixture
def demo(db):
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def staff_client(client, demo):
    from accounts.models import User

    client.force_login(User.objects.get(email="admin@example.com"))
    return client


@pytest.fixture
def instructor_client(client, demo):
    from accounts.models import User

    client.force_login(User.objects.get(email="instructor@example.com"))
    return client


def _urls(model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return reverse(f"{name}_changelist"), reverse(f"{name}_add"), name


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=[m._meta.label for m, _ in REGISTRY])
@pytest.mark.parametrize("who", ["staff", "instructor"])
def test_every_admin_page_and_form_answers_without_a_server_error(request, model, model_admin, who):
    client = request.getfixturevalue(f"{who}_client")
    changelist, add, name = _urls(model)
    listed = client.get(changelist)
    assert listed.status_code in (200, 302, 403), f"{changelist}: {listed.status_code}"

    page = client.get(add)
    assert page.status_code in (200, 302, 403), f"{add}: {page.status_code}"
    if page.status_code == 200:
        blank = client.post(add, _flat(form_data(page.content.decode())))
        assert blank.status_code in (200, 302, 403), f"POST {add} as shown: {blank.status_code}"

    obj = model_admin.get_queryset(_request_for(client)).order_by("pk").first() if listed.status_code == 200 else None
    if obj is None:
        return
    change = reverse(f"{name}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code in (200, 302, 403), f"{change}: {page.status_code}"
    if page.status_code == 200 and "_form" in page.content.decode():
        saved = client.post(change, _flat(form_data(page.content.decode())))
        assert saved.status_code in (200, 302, 403), f"POST {change} as shown: {saved.status_code}"


def _request_for(client):
    from django.test import RequestFactory

    from accounts.models import User

    req = RequestFactory().get("/")
    req.user = User.objects.get(pk=client.session["_auth_user_id"])
    return req


def test_every_admin_of_ours_uses_the_forms_that_put_errors_where_they_show():
    for model, model_admin in REGISTRY:
        if model._meta.app_label not in OURS or model._meta.label == "accounts.User":
            continue  # accounts.User keeps Django's own user forms
        assert issubclass(model_admin.form, lms_admin.ShownFieldsModelForm), model._meta.label
        for inline in model_admin.inlines:
            assert issubclass(inline.form, lms_admin.ShownFieldsModelForm), f"{model._meta.label}: {inline}"


def _add_row(data: dict[str, list[str]], prefix: str, values: dict[str, str]) -> dict:
    """The inline's next empty row filled with `values` (as the "Add another" link does)."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    row = {f"{prefix}-{total}-{k}": v for k, v in values.items()}
    flat = _flat(data)
    flat.update(row)
    flat[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return flat


@pytest.mark.parametrize("kind", [k for k, _ in Lesson.Kind.choices])
def test_a_lesson_of_any_kind_added_from_the_module_inline_saves_or_says_why(staff_client, kind):
    module = Module.objects.order_by("pk").first()
    change = reverse("admin:courses_module_change", args=[module.pk])
    data = form_data(staff_client.get(change).content.decode())
    prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS"))
    before = module.lessons.count()
    row = {"title": f"New {kind} lesson", "kind": kind, "position": "99", "estimated_minutes": "5", "is_required": "on"}
    response = staff_client.post(change, _add_row(data, prefix, row))
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the reason is on the page, what was typed kept
        body = response.content.decode()
        assert "errornote" in body or "errorlist" in body
        assert f"New {kind} lesson" in body
        assert module.lessons.count() == before
    else:
        assert module.lessons.filter(title=f"New {kind} lesson", kind=kind).exists()


def test_a_video_lesson_from_the_inline_is_refused_with_the_reason_on_its_row(staff_client):
    module = Module.objects.order_by("pk").first()
    change = reverse("admin:courses_module_change", args=[module.pk])
    data = form_data(staff_client.get(change).content.decode())
    prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS"))
    row = {"title": "Watch this", "kind": Lesson.Kind.VIDEO, "position": "99", "estimated_minutes": "5"}
    response = staff_client.post(change, _add_row(data, prefix, row))
    assert response.status_code == 200
    assert "A video lesson needs a video link or an uploaded video." in response.content.decode()


@pytest.mark.parametrize("kind", [k for k, _ in Question.Kind.choices])
def test_a_question_of_any_kind_added_from_the_quiz_inline_saves_or_says_why(staff_client, kind):
    quiz = Quiz.objects.order_by("pk").first()
    change = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    data = form_data(staff_client.get(change).content.decode())
    prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS") and "question" in k)
    before = quiz.questions.count()
    row = {"prompt": f"A {kind} question?", "kind": kind, "position": "99", "points": "1"}
    response = staff_client.post(change, _add_row(data, prefix, row))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        body = response.content.decode()
        assert "errornote" in body or "errorlist" in body
        assert f"A {kind} question?" in body
        assert quiz.questions.count() == before
    else:
        assert quiz.questions.filter(prompt=f"A {kind} question?", kind=kind).exists()


def test_no_model_is_named_with_a_plural_made_by_adding_s_to_a_y():
    """ "Webhook deliverys" in the admin's sidebar."""
    import re

    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label in OURS:
            assert not re.search(r"[^aeiou]ys$", str(model._meta.verbose_name_plural)), model._meta.label


def test_short_text_answers_are_typed_one_per_line_not_as_json(staff_client):
    quiz = Quiz.objects.order_by("pk").first()
    question = Question.objects.create(quiz=quiz, kind=Question.Kind.SHORT_TEXT, prompt="Capital?",
                                       accepted_answers=["Paris"], position=50)  # fmt: skip
    change = reverse("admin:quizzes_question_change", args=[question.pk])
    page = staff_client.get(change).content.decode()
    data = form_data(page)
    assert data["accepted_answers"] == ["Paris"]  # shown as lines, not as ["Paris"]
    data["accepted_answers"] = ["Paris\r\n  Lutetia \r\n\r\n"]
    response = staff_client.post(change, _flat(data))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.accepted_answers == ["Paris", "Lutetia"]


def test_a_webhook_subscription_picks_its_events_from_the_catalog(staff_client, settings):
    from lms.events import CATALOG, SUBSCRIBABLE
    from webhooks.models import WebhookSubscription

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    add = reverse("admin:webhooks_webhooksubscription_add")
    page = staff_client.get(add).content.decode()
    for name in SUBSCRIBABLE:
        assert f'value="{name}"' in page  # a checkbox each
    for name in set(CATALOG) - set(SUBSCRIBABLE):
        assert f'value="{name}"' not in page  # recorded, not subscribable in v1 (docs/api.md)
    data = _flat(form_data(page))
    data.update({"url": "http://127.0.0.1:9/hook", "events": ["enrollment.completed", "certificate.issued"]})
    response = staff_client.post(add, data)
    assert response.status_code == 302
    assert WebhookSubscription.objects.get().events == ["enrollment.completed", "certificate.issued"]
    refused = staff_client.post(add, {**data, "events": []})
    assert refused.status_code == 200 and WebhookSubscription.objects.count() == 1
