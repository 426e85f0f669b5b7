"""Catalog pages: home, catalog, course page."""

from django.shortcuts import render

from courses import access, fragments, selectors


def home(request):
    context = {"featured": selectors.featured_courses(), "newest": selectors.newest_courses()}
    return render(request, "courses/home.html", context)


def catalog(request):
    if access.sees_public_catalog(request.user):
        results = fragments.public_catalog_results(request)
    else:  # instructors and staff also see their drafts
        results = fragments.catalog_results(request.user, request.GET)
    return render(request, "courses/catalog.html", {"results": results})


def course_detail(request, slug: str):
    if access.sees_public_catalog(request.user):
        course = selectors.course_get_public(slug)
    else:  # instructors and staff also see drafts
        course = selectors.course_get_for(request.user, slug, with_outline=False)
    context = {
        "course": course,
        "modules": selectors.outline_modules(course.pk),
    }
    return render(request, "courses/detail.html", context)
