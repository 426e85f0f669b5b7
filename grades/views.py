"""A learner's "Grades" page for a course: each item with their released grade, overrides
included, and the course grade."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from courses import selectors as course_selectors
from enrollments import selectors as enrollment_selectors
from grades import selectors


@login_required
def my_grades(request, slug: str):
    enrollment = enrollment_selectors.seated_enrollment_for(request.user, course_slug=slug)
    if enrollment is None:
        raise Http404("Not enrolled.")
    course = course_selectors.course_get_for(request.user, slug, with_outline=False)
    items, row = selectors.learner_grades(request.user, course)
    lines = [(item, row.cells[item.key]) for item in items]
    subtotals = [(category, row.categories.get(category.pk)) for category in selectors.categories_for(course)]
    weighted = any(category.weight is not None for category, _percent in subtotals)
    context = {"course": course, "lines": lines, "row": row, "subtotals": subtotals, "weighted": weighted}
    return render(request, "grades/mine.html", context)
