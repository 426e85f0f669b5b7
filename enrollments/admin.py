"""Enrollments in the admin: instructors see the learners of their own courses, with
progress; staff see all. CSV export of the selected enrollments' progress."""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from courses import access
from enrollments import selectors
from enrollments.models import Enrollment


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "status", "progress", "enrolled_at", "last_activity_at", "completed_at"]
    # Only the courses in this admin's own rows: an instructor must not see the titles of
    # every course (other instructors' drafts included) in the filter.
    list_filter = ["status", ("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "course__title"]
    list_select_related = ["user", "course"]
    readonly_fields = [
        "user", "course", "status", "enrolled_at", "completed_at", "dropped_at", "last_lesson", "last_activity_at",
    ]  # fmt: skip
    actions = ["export_csv"]
    date_hierarchy = "enrolled_at"

    def get_queryset(self, request):
        qs = selectors.with_progress_counts(super().get_queryset(request))
        if not access.is_full_access(request.user):
            qs = qs.filter(course__instructors=request.user).distinct()
        return qs

    def has_add_permission(self, request):
        return False  # learners enrol themselves; enrolling on their behalf goes through the API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # learning records are kept

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (access.is_full_access(request.user) or request.user.is_instructor)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("Progress (required lessons)"))
    def progress(self, obj):
        total = obj.lessons_required
        return f"{obj.lessons_done}/{total}" if total else "-"

    @admin.action(description=_("Export progress as CSV"))
    def export_csv(self, request, queryset):
        rows = selectors.attach_progress(list(queryset.select_related("user", "course")))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="enrollments.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["email", "name", "course", "status", "percent", "enrolled_at", "completed_at", "last_activity_at"]
        )
        for e in rows:
            writer.writerow(
                [
                    _csv_safe(e.user.email),
                    _csv_safe(e.user.display_name),
                    _csv_safe(e.course.title),
                    e.status,
                    e.progress.percent,
                    e.enrolled_at.isoformat(),
                    e.completed_at.isoformat() if e.completed_at else "",
                    e.last_activity_at.isoformat() if e.last_activity_at else "",
                ]
            )
        return response


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in user-entered text."""
    return f"'{value}" if value and value[0] in "=+-@\t\r" else value
