"""Catalog pages: home, catalog, course page."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from courses import access, selectors
from courses.models import Category, Course, Lesson
from lms.exceptions import NotFoundError

PAGE_SIZE = 12


def home(request):
    context = {"featured": selectors.featured_courses(), "newest": selectors.newest_courses()}
    return render(request, "courses/home.html", context)


def catalog(request):
    filters = {k: request.GET.get(k, "") for k in ("q", "category", "level", "language", "ordering")}
    courses = selectors.course_list_for(request.user, filters=filters)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "categories": Category.objects.order_by("name"),
        "levels": Course.Level.choices,
        "orderings": [("", "Newest"), ("title", "Title"), ("popularity", "Most popular")],
    }
    return render(request, "courses/catalog.html", context)


def course_detail(request, slug: str):
    try:
        course = selectors.course_get_for(request.user, slug)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    can_edit = access.can_edit_course(request.user, course)
    read_all = access.can_read_all_lessons(request.user, course)
    modules = selectors.course_outline(course)
    # Links to readable lessons, built with one reverse() for the whole outline (a
    # 500-lesson course spent a fifth of its page time in {% url %}, docs/performance.md).
    marker = 987654321
    head, tail = reverse("enrollments:lesson", kwargs={"slug": course.slug, "lesson_id": marker}).split(str(marker))
    # Labels too: translated once per distinct value, not once per lesson in the template.
    kinds = {value: str(label) for value, label in Lesson.Kind.choices}
    minutes: dict[int, str] = {}
    for module in modules:
        for lesson in module.lessons.all():
            lesson.href = f"{head}{lesson.pk}{tail}" if lesson.is_preview or read_all else ""
            lesson.kind_label = kinds.get(lesson.kind, lesson.kind)
            if lesson.estimated_minutes not in minutes:
                minutes[lesson.estimated_minutes] = gettext("%(m)s min") % {"m": lesson.estimated_minutes}
            lesson.minutes_label = minutes[lesson.estimated_minutes]
    context = {"course": course, "modules": modules, "can_edit": can_edit}
    return render(request, "courses/detail.html", context)
