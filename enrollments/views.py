"""Learner pages of the enrollments app."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def dashboard(request):
    # Enrollments and progress arrive with the enrollments issue; until then the
    # dashboard shows its empty state.
    return render(request, "enrollments/dashboard.html", {"enrollments": []})
