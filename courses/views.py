"""Catalog pages: home, catalog, course page."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from courses import access, selectors
from courses.models import Category, Course
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
    context = {
        "course": course,
        "modules": selectors.course_outline(course),
        "can_edit": access.can_edit_course(request.user, course),
    }
    return render(request, "courses/detail.html", context)
