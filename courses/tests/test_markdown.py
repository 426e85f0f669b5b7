"""Markdown is rendered and sanitised once, on save: real XSS payloads never survive in
description_html or body_html, on the model, in the API or on the pages."""

from html.parser import HTMLParser

import pytest

from courses import services
from courses.markdown import render_markdown
from courses.tests.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(document.cookie)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)//<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img src="javascript:alert(1)">',
    '<img src="x" srcset="javascript:alert(1)">',
    "<p onmouseover=\"alert('hover')\">hover me</p>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](  JaVaScRiPt:alert(1) )",
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href="java&#x09;script:alert(1)">tab</a>',
    '<a href="java&#x0A;script:alert(1)">newline</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    "<svg onload=alert(1)><circle r=10 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>body { display: none }</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="javascript:/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<code class="x" onclick="alert(1)">code</code>',
]

FORBIDDEN_TAGS = {"script", "style", "svg", "math", "iframe", "object", "embed", "form", "base", "meta", "link", "body"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "data"}


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "srcset"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value is not None:
                # What a browser would see: tab/newline removed, leading blanks and controls ignored.
                url = "".join(ch for ch in value if ch not in "\t\n\r").lstrip("".join(map(chr, range(33)))).lower()
                if url.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag}[{name}]={value!r}")

    handle_startendtag = handle_starttag


def assert_safe(html: str) -> None:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == [], html
    lowered = html.lower()
    for needle in ("<script", "<svg", "<iframe", "<style", "onerror=", "onload="):
        assert needle not in lowered, html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_course_descriptions_lose_every_xss_payload(payload):
    course = CourseFactory(description=f"Intro\n\n{payload}\n\nOutro")
    course.refresh_from_db()
    assert_safe(course.description_html)
    assert "Intro" in course.description_html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lesson_bodies_lose_every_xss_payload(payload):
    lesson = services.lesson_create(module=ModuleFactory(), data={"title": "L", "body": f"Text\n\n{payload}"})
    lesson.refresh_from_db()
    assert_safe(lesson.body_html)


def test_the_inspector_itself_catches_what_it_looks_for():
    # The checks above would be worthless if the inspector passed raw payloads.
    for payload in ("<script>x</script>", "<img src=x onerror=y>", '<a href=" JAVA\tSCRIPT:x">', "<svg></svg>"):
        with pytest.raises(AssertionError):
            assert_safe(payload)


def test_ordinary_markdown_survives_sanitising():
    html = render_markdown(
        "# Title\n\nSome *emphasis*, **strong** and `code`.\n\n"
        "[docs](https://docs.python.org/3/) and [mail](mailto:a@example.com)\n\n"
        "![logo](/media/logo.png)\n\n"
        "```python\nprint('hi')\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h2>Title</h2>" in html  # content headings start at h2: the page has the h1
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert 'href="https://docs.python.org/3/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:a@example.com"' in html
    assert 'src="/media/logo.png"' in html
    assert "print(&#39;hi&#39;)" in html or "print('hi')" in html
    assert "<table>" in html and "<td>1</td>" in html


def test_updating_the_markdown_updates_the_html_with_update_fields():
    course = CourseFactory(description="safe")
    course.description = "<script>alert(1)</script>new"
    course.save(update_fields=["description"])
    course.refresh_from_db()
    assert course.description_html.strip() == "<p>new</p>"


def test_payloads_never_reach_the_pages_or_the_api(client, api_client):
    payload = "\n\n".join(PAYLOADS)
    course = CourseFactory(slug="xss", description=payload)
    lesson = LessonFactory(module=ModuleFactory(course=course), body=payload, is_preview=True)
    course.refresh_from_db()
    lesson.refresh_from_db()
    assert_safe(course.description_html)
    assert_safe(lesson.body_html)

    course_page = client.get("/courses/xss/").content.decode()
    lesson_page = client.get(f"/courses/xss/lessons/{lesson.pk}/").content.decode()
    assert course.description_html in course_page  # the page shows the sanitised HTML, not the Markdown
    assert lesson.body_html in lesson_page
    shipped = '<script src="/static/js/enhance.js" defer></script>'  # the site's own, from STATIC_URL
    for page in (course_page, lesson_page):
        assert page.count(shipped) == 1
        lowered = page.replace(shipped, "").lower()
        for needle in ("<script", "<svg", "<iframe", "<object", "<embed", "onerror=", "onload=", "ontoggle="):
            assert needle not in lowered

    assert api_client.get("/api/v1/courses/xss/").json()["description_html"] == course.description_html
    assert api_client.get(f"/api/v1/lessons/{lesson.pk}/").json()["body_html"] == lesson.body_html


@pytest.mark.parametrize(
    "source",
    [
        "![pixel](https://tracker.example/p.gif)",
        "![](http://tracker.example/p.gif)",
        "![x](//tracker.example/p.gif)",
        '<img src="https://tracker.example/p.gif" alt="p">',
        '<img src="//tracker.example/p.gif">',
        '<p><img src="HTTPS://tracker.example/p.gif"></p>',
    ],
)
def test_remote_images_are_not_shown_by_default(source):
    import re

    html = render_markdown(source)
    assert re.findall(r"<img[^>]*\ssrc=", html) == [], html


def test_a_markdown_image_of_a_remote_address_becomes_a_link_to_it():
    html = render_markdown("See ![the diagram](https://example.com/d.png).")
    assert "<img" not in html
    assert '<a href="https://example.com/d.png" rel="noopener noreferrer nofollow">the diagram</a>' in html


def test_the_sites_own_images_are_shown(settings):
    settings.SITE_URL = "https://lms.example.com"
    html = render_markdown("![a](/media/covers/a.png) ![b](https://lms.example.com/media/b.png)")
    assert '<img alt="a" src="/media/covers/a.png">' in html
    assert '<img alt="b" src="https://lms.example.com/media/b.png">' in html
    assert "<img" not in render_markdown("![c](https://lms.example.com.evil.example/c.png)")


def test_remote_images_can_be_allowed_by_the_setting(settings):
    settings.MARKDOWN_REMOTE_IMAGES = True
    assert '<img alt="p" src="https://cdn.example.com/p.png">' in render_markdown("![p](https://cdn.example.com/p.png)")
