"""Markup that is the same for everyone who sees it alike, rendered from templates and
cached as catalog reads (courses.cache): the public catalog's filters and results, a
course's syllabus, and the links of a course's outline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from courses import selectors
from courses.cache import by_public_request, cached
from courses.models import Category, Course

PAGE_SIZE = 12


@cached("catalog-results", store="shared", key=by_public_request)
def public_catalog_results(request) -> SafeString:
    """The public catalog's results for the request's query, the same for every public
    viewer (courses.access.sees_public_catalog)."""
    return catalog_results(None, request.GET)


def catalog_results(user, params) -> SafeString:
    """The catalog's filters and page of results for `user` (None: the public catalog)."""
    filters = {k: params.get(k, "") for k in ("q", "category", "level", "language", "ordering")}
    courses = selectors.course_list_for(user, filters=filters)
    page = Paginator(courses, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "categories": Category.objects.order_by("name"),
        "levels": Course.Level.choices,
        "orderings": [("", gettext("Newest")), ("title", gettext("Title")), ("popularity", gettext("Most popular"))],
    }
    return render_to_string("courses/_catalog_results.html", context)


def syllabus(course_id: int, slug: str, *, read_all: bool) -> SafeString:
    """The course page's syllabus; lessons are links for those who may read them all
    (and previews for everyone)."""
    return _syllabus(course_id, slug, read_all, get_language())


@cached("syllabus", store="local")
def _syllabus(course_id: int, slug: str, read_all: bool, language: str) -> SafeString:
    head, tail = _lesson_url_parts(slug)
    context = {
        "modules": selectors.outline_modules(course_id),
        "read_all": read_all,
        "href_head": head,
        "href_tail": tail,
    }
    return render_to_string("courses/_syllabus.html", context)


@dataclass(frozen=True, slots=True)
class OutlineLink:
    """An outline item as every reader sees it: the item, its escaped title and meta
    ("Video · 5 min", "Quiz"), and where it opens."""

    entry: selectors.OutlineEntry
    title: str
    meta: str
    href: str


OutlineLinks = tuple[tuple[str, tuple[OutlineLink, ...]], ...]


def outline_links(course_id: int, slug: str) -> OutlineLinks:
    """The outline's modules and items (lessons, quizzes) in order, with escaped titles,
    meta and links, the same for every reader in a language: the pages add each learner's
    state to it (enrollments.outline)."""
    return _outline_links(course_id, slug, get_language())


@cached("outline-links", store="local")
def _outline_links(course_id: int, slug: str, language: str) -> OutlineLinks:
    url = lesson_url_builder(slug)
    minutes = gettext("%(m)s min")

    def link(entry: selectors.OutlineEntry) -> OutlineLink:
        if entry.item_type == "lesson":
            meta = f"{entry.kind_label} · {minutes % {'m': entry.estimated_minutes}}"
            return OutlineLink(entry, escape(entry.title), escape(meta), url(entry.pk))
        return OutlineLink(entry, escape(entry.title), escape(str(entry.label)), entry.url)

    return tuple(
        (escape(module.title), tuple(link(entry) for entry in module.items))
        for module in selectors.outline_modules(course_id)
    )


def _lesson_url_parts(slug: str) -> tuple[str, str]:
    marker = 987654321
    head, tail = reverse("enrollments:lesson", kwargs={"slug": slug, "lesson_id": marker}).split(str(marker))
    return head, tail


def lesson_url_builder(slug: str) -> Callable[[int], str]:
    """The lesson page's URL for any lesson id of the course: reverse() once for a whole
    outline, not once per lesson."""
    head, tail = _lesson_url_parts(slug)
    return lambda lesson_id: f"{head}{lesson_id}{tail}"
