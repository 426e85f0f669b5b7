"""Catalog pages: home, catalog, course page."""

from collections.abc import Callable

from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from courses import access, cache, selectors
from courses.models import Category, Course, Lesson

PAGE_SIZE = 12


def home(request):
    context = {"featured": selectors.featured_courses(), "newest": selectors.newest_courses()}
    return render(request, "courses/home.html", context)


def catalog(request):
    filters = {k: request.GET.get(k, "") for k in ("q", "category", "level", "language", "ordering")}
    if not access.sees_public_catalog(request.user):  # instructors and staff also see their drafts
        results = _catalog_results(request.user, filters, request.GET)
    else:
        # The same for every public viewer: rendered once per catalog version, language
        # and query string, shared through the cache (as the catalog API's JSON is).
        results = cache.get_or_build(
            "catalog-page-html",
            f"{get_language()}?{request.META.get('QUERY_STRING', '')}",
            lambda: _catalog_results(None, filters, request.GET),
        )
    return render(request, "courses/catalog.html", {"results": results})


def _catalog_results(user, filters: dict[str, str], params) -> SafeString:
    """The catalog's filters and page of results for `user` (None: the public catalog),
    as markup with nothing in it that depends on who asks."""
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


def course_detail(request, slug: str):
    if access.sees_public_catalog(request.user):
        course = selectors.course_get_public(slug)
    else:  # instructors and staff also see drafts
        course = selectors.course_get_for(request.user, slug, with_outline=False)
    can_edit = access.can_edit_course(request.user, course)
    read_all = access.can_read_all_lessons(request.user, course)
    outline = selectors.outline_for(course.pk)
    # The same for every reader with the same access and language: built once per catalog
    # version in this process (courses.cache.local_get_or_build).
    syllabus = cache.local_get_or_build(
        ("syllabus", course.pk, read_all, get_language()),
        lambda: _syllabus_html(outline.modules, href=lesson_url_builder(course.slug), read_all=read_all),
    )
    context = {"course": course, "modules": outline.modules, "syllabus": syllabus, "can_edit": can_edit}
    return render(request, "courses/detail.html", context)


def lesson_url_builder(slug: str) -> Callable[[int], str]:
    """The lesson page's URL for any lesson id of the course: reverse() once for a whole
    outline, not once per lesson (500 calls were a fifth of a page's time,
    docs/performance.md)."""
    marker = 987654321
    head, tail = reverse("enrollments:lesson", kwargs={"slug": slug, "lesson_id": marker}).split(str(marker))
    return lambda lesson_id: f"{head}{lesson_id}{tail}"


def _syllabus_html(modules, *, href, read_all: bool) -> SafeString:
    """The syllabus markup, written here rather than in a template loop, whose cost per
    lesson dominated a long course's page (docs/performance.md). Every text is escaped;
    labels are translated once per distinct value."""
    # str(): escape() of a lazy label stays lazy, and would be translated again at each use.
    kinds = {value: escape(str(label)) for value, label in Lesson.Kind.choices}
    minutes: dict[int, str] = {}
    preview = format_html(' <span class="badge">{}</span>', gettext("Preview"))
    parts: list[str] = []
    for module in modules:
        parts.append(f'<div class="module">\n<h3>{escape(module.title)}</h3>\n<ol class="outline">\n')
        for lesson in module.lessons:
            title = escape(lesson.title)
            if lesson.is_preview or read_all:
                link = f'<a href="{href(lesson.pk)}">{title}</a>{preview if lesson.is_preview else ""}'
            else:
                link = title
            if lesson.estimated_minutes not in minutes:
                minutes[lesson.estimated_minutes] = escape(gettext("%(m)s min") % {"m": lesson.estimated_minutes})
            kind = kinds.get(lesson.kind) or escape(lesson.kind)
            parts.append(
                f'<li class="lesson-kind-{escape(lesson.kind)}">{link}'
                f' <span class="meta">· {kind} · {minutes[lesson.estimated_minutes]}</span></li>\n'
            )
        parts.append("</ol>\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703: every value above is escaped
