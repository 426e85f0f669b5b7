"""Crafted input is a 400 with the usual error shape, never a 500: NUL characters,
unpaired surrogates, other scripts' digits, huge and deeply nested values.

Every query parameter, path parameter and JSON body field that the OpenAPI schema lists
gets hostile values (hypothesis draws them), sent by staff, who reach every view's
validation; and every form on the learner's pages gets them in each field it renders.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.tests.test_permission_matrix import world  # noqa: F401 - the shared fixture

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "openapi.yaml").read_text())

NUL_VALUES = ["\x00", "a\x00b", "matrix\x00", "1\x00"]
HOSTILE_TEXT = [
    *NUL_VALUES,
    "\ud800",
    "x\udfffy",
    "²",
    "①",
    "١٢",
    "\uff11\uff12",  # fullwidth digits, which int() accepts
    "-1",
    "1e400",
    "NaN",
    "9" * 40,
    "\u202eevil",
    "\u200b",
    "e\u0301" * 50,
    "😀" * 10,
    "x" * 100_000,
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]


def _deep(depth: int):
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_JSON = [
    *HOSTILE_TEXT,
    None,
    True,
    10**400,
    -(10**20),
    1e308,
    [],
    {},
    ["\x00"],
    {"\x00": 1},
    {"a": "\ud800"},
    _deep(40),
    list(range(5_000)),
    {"k" * 1000: "v" * 1000},
]
text_values = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),
)
json_values = st.one_of(st.sampled_from(HOSTILE_JSON), text_values)

HYPOTHESIS = settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _operations():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def _schema(ref_or_schema: dict) -> dict:
    if "$ref" in ref_or_schema:
        return SCHEMA["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _slots(method: str, operation: dict) -> list[tuple[str, str]]:
    slots = [(p["in"], p["name"]) for p in operation.get("parameters", []) if p["in"] in ("query", "path")]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        slots += [("body", name) for name in _schema(body["schema"]).get("properties", {})]
    return slots


OPERATIONS = [
    pytest.param(method, path, id=f"{method.upper()} {path}")
    for method, path, operation in _operations()
    if _slots(method, operation) and not (method == "delete" and path.endswith("/auth/me/"))
]


@pytest.fixture
def staff_client(world, settings, api_client):  # noqa: F811
    settings.RATE_LIMIT_REQUESTS_PER_MINUTE = settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = 100_000
    settings.CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE = 100_000
    settings.LOGIN_FAILURES_PER_ACCOUNT = settings.LOGIN_FAILURES_PER_CLIENT = 100_000
    api_client.force_authenticate(world["users"]["staff"])
    return api_client


def _path_values(world, path: str) -> dict[str, str]:  # noqa: F811
    kwargs = world["kwargs"]
    by_prefix = {
        "/api/v1/certificates/": kwargs["certificate"]["pk"],
        "/api/v1/enrollments/": kwargs["enrollment"]["pk"],
        "/api/v1/exports/": kwargs["export"]["pk"],
        "/api/v1/webhooks/": kwargs["webhook"]["pk"],
        "/api/v1/categories/": kwargs["category"]["pk"],
    }
    return {
        "slug": "matrix",
        "module_id": kwargs["module"]["module_id"],
        "lesson_id": kwargs["lesson"]["lesson_id"],
        "attachment_id": kwargs["attachment"]["attachment_id"],
        "quiz_id": kwargs["quiz"]["quiz_id"],
        "question_id": kwargs["question"]["question_id"],
        "assignment_id": kwargs["assignment"]["assignment_id"],
        "submission_id": kwargs["submission"]["submission_id"],
        "file_id": kwargs["submission_file"]["file_id"],
        "attempt_id": kwargs["attempt"]["attempt_id"],
        "code": kwargs["code"]["code"],
        "id": next((pk for prefix, pk in by_prefix.items() if path.startswith(prefix)), 1),
    }


def _encoded(value: str) -> str:
    """As a client would send it on the wire: UTF-8, surrogates as their raw bytes."""
    return quote(value, safe="", errors="surrogatepass")


def _assert_refused_cleanly(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code == 400 and response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert {"detail", "code", "errors"} <= set(body), f"{where}: {body}"


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_hostile_values_in_every_documented_parameter_are_refused_cleanly(method, path, world, staff_client):  # noqa: F811
    operation = SCHEMA["paths"][path][method]
    slots = _slots(method, operation)
    defaults = _path_values(world, path)

    @given(slot=st.sampled_from(slots), text=text_values, value=json_values)
    @HYPOTHESIS
    def run(slot, text, value):
        where, name = slot
        path_values = {key: str(v) for key, v in defaults.items()}
        query, body = "", None
        if where == "path":
            path_values[name] = _encoded(text)
        elif where == "query":
            query = urlencode({name: text}, encoding="utf-8", errors="surrogatepass")
        else:
            body = json.dumps({name: value})
        url = re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], path) + (f"?{query}" if query else "")
        response = getattr(staff_client, method)(url, data=body, content_type="application/json")
        _assert_refused_cleanly(response, f"{method.upper()} {url[:200]} {name}={str(value)[:60]!r}")
        if where == "query" and "\x00" in text:
            assert response.status_code == 400 and name in response.json()["errors"]

    run()


@pytest.mark.parametrize("value", NUL_VALUES)
@pytest.mark.parametrize(
    "url",
    ["/api/v1/courses/?{}", "/api/v1/enrollments/?{}", "/courses/?{}", "/dashboard/?{}"],
)
@pytest.mark.parametrize("name", ["q", "level", "category", "language", "status", "course", "instructor", "ordering"])
def test_a_nul_in_any_query_parameter_is_a_400_naming_it(url, name, value, world, client, staff_client):  # noqa: F811
    target = url.format(urlencode({name: value}))
    if target.startswith("/api/"):
        response = staff_client.get(target)
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Invalid input.",
            "code": "invalid",
            "errors": {name: ["Null characters are not allowed."]},
        }
    else:
        client.force_login(world["users"]["learner_a"])
        response = client.get(target)
        assert response.status_code == 400 and b"Null characters are not allowed." in response.content


@pytest.mark.parametrize("value", ["²", "①", "١٢", "x", "1.0", "-3", "9" * 30])
def test_an_instructor_filter_that_is_no_whole_number_is_a_400(value, staff_client):
    response = staff_client.get("/api/v1/courses/", {"instructor": value})
    assert response.status_code == 400
    assert response.json()["errors"] == {"instructor": ["A whole number is required."]}


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/register/"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        json.dumps({"email": _deep(33), "password": "x"}),
    ],
    ids=["deep-array-200KB", "deep-object-200KB", "33-levels"],
)
def test_too_deep_json_bodies_are_a_parse_error_even_without_logging_in(path, body, api_client, settings):
    settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = settings.RATE_LIMIT_REQUESTS_PER_MINUTE = 100_000
    response = api_client.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "parse_error" and response.json()["errors"] == {}


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/register/"])
@pytest.mark.parametrize(
    "body, errors",
    [
        ('{"email": "a\\u0000@example.com", "password": "x"}', {"email": ["Null characters are not allowed."]}),
        (
            '{"email": "x@example.com", "password": {"deep": ["\\u0000"]}}',
            {"password": ["Null characters are not allowed."]},
        ),
        (
            '{"email": "\\ud800@example.com", "password": "x"}',
            {"email": ["Unpaired surrogate characters are not allowed."]},
        ),
        ('{"\\u0000": 1}', {"non_field_errors": ["Null characters are not allowed."]}),
        ('["\\u0000"]', {"non_field_errors": ["Null characters are not allowed."]}),
    ],
    ids=["nul", "nul-deep-in-a-field", "surrogate", "nul-key", "nul-in-a-list"],
)
def test_nul_and_surrogates_anywhere_in_a_json_body_are_a_400_naming_the_field(
    path, body, errors, api_client, settings
):
    settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = settings.RATE_LIMIT_REQUESTS_PER_MINUTE = 100_000
    response = api_client.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json() == {"detail": "Invalid input.", "code": "invalid", "errors": errors}


def test_escaped_emoji_and_nesting_within_the_limit_are_accepted(api_client, settings, db):
    """The parser's limits refuse only what they name: a surrogate pair is an emoji."""
    from lms.api.parsers import MAX_DEPTH, check_json_value

    check_json_value(_deep(MAX_DEPTH - 1))
    response = api_client.generic(
        "POST",
        "/api/v1/auth/register/",
        '{"email": "emoji@example.com", "password": "a-long-pass-phrase-9", "first_name": "\\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == "😀"


# --- pages: every form a learner is shown, every field it has -------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and field names."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag in ("input", "textarea", "select") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def _page_urls(world) -> list[str]:  # noqa: F811
    from django.urls import reverse

    kw = world["kwargs"]
    return [
        reverse("courses:home"),
        reverse("courses:catalog"),
        reverse("courses:detail", kwargs=kw["course_slug"]),
        reverse("enrollments:dashboard"),
        reverse("enrollments:lesson", kwargs=kw["lesson_page"]),
        reverse("quizzes:detail", kwargs=kw["quiz_page"]),
        reverse("quizzes:attempt", kwargs=kw["attempt_page"]),
        reverse("accounts:profile"),
        reverse("accounts:delete"),
        reverse("accounts:password_reset"),
    ]


def test_every_form_on_the_learners_pages_refuses_hostile_values_cleanly(world, client, settings):  # noqa: F811
    """Each form is posted with one hostile value in one field at a time, the other fields
    as the page rendered them; a fresh open attempt makes the quiz form a real one."""
    from quizzes import services as quiz_services
    from quizzes.models import Quiz

    settings.RATE_LIMIT_REQUESTS_PER_MINUTE = settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = 100_000
    settings.LOGIN_FAILURES_PER_ACCOUNT = settings.LOGIN_FAILURES_PER_CLIENT = 100_000
    learner = world["users"]["learner_b"]
    quiz = Quiz.objects.get(pk=world["kwargs"]["quiz"]["quiz_id"])
    from enrollments import services as enrollment_services

    enrollment_services.enrollment_create(user=learner, course=world["course"])
    attempt, _ = quiz_services.attempt_start(user=learner, quiz=quiz)
    urls = [*_page_urls(world), f"/attempts/{attempt.pk}/"]
    client.force_login(learner)
    forms = []
    for url in urls:
        page = client.get(url)
        assert page.status_code < 500, url
        parser = _Forms()
        parser.feed(page.content.decode())
        forms += [(url, form) for form in parser.forms if form["fields"]]
    # The ones that end the session or the account are kept for last (they would log out).
    forms.sort(key=lambda item: "delete" in item[1]["action"] or "logout" in item[1]["action"])
    assert any(name.startswith("q_") for _, form in forms for name in form["fields"]), "no quiz form was found"
    for url, form in forms:
        action = form["action"] or url
        if "logout" in action or "delete" in action:
            continue
        for field in form["fields"]:
            if field in ("csrfmiddlewaretoken",):
                continue
            for value in ["\x00", "²", "①", "x" * 10_000, "\ud800", "-1", "9" * 40]:
                data = {**form["fields"], field: value}
                body = urlencode(data, encoding="utf-8", errors="surrogatepass")
                response = client.post(action, body, content_type="application/x-www-form-urlencoded")
                assert response.status_code < 500, f"{action} {field}={value[:20]!r}: {response.status_code}"
                if "\x00" in value:
                    assert response.status_code == 400, f"{action} {field}"
                client.force_login(learner)  # a form that signed out (password change) signs in again
