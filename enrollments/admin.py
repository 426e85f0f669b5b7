"""Enrollments in the admin: instructors see the learners of their own courses, with
progress; staff see all. CSV export of the selected enrollments' progress, and bulk
enrolment from a CSV file of addresses."""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from courses import access
from courses.models import Course
from enrollments import selectors, services
from enrollments.models import Enrollment
from lms import admin as lms_admin
from lms.csvutil import csv_safe
from lms.exceptions import ApplicationError


class BulkEnrolForm(lms_admin.StyledForm):
    course = forms.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, one address per row in a column headed “email”; at most 1,000 rows and 1 MB."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = access.scope_to_teaching(Course.objects.order_by("title"), user)


@admin.register(Enrollment)
class EnrollmentAdmin(lms_admin.ModelAdmin):
    list_display = ["learner", "course", "status", "progress", "enrolled_at", "last_activity_at"]
    list_display_links = None  # the learner's own link leads to their lessons and scores
    # Only the courses in this admin's own rows: an instructor must not see the titles of
    # every course (other instructors' drafts included) in the filter.
    list_filter = ["status", ("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "course__title"]
    list_select_related = ["user", "course"]
    readonly_fields = [
        "user", "course", "status", "enrolled_at", "completed_at", "dropped_at", "last_lesson", "last_activity_at",
    ]  # fmt: skip
    actions = ["export_csv", "drop", "reactivate", "reset_progress"]
    date_hierarchy = "enrolled_at"

    def get_queryset(self, request):
        qs = selectors.with_progress_counts(super().get_queryset(request))
        return access.scope_to_teaching(qs, request.user, via="course")

    def has_add_permission(self, request):
        return False  # learners enrol themselves; enrolling on their behalf goes through the API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # learning records are kept

    def has_view_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        return [
            path("bulk-enrol/", self.admin_site.admin_view(self.bulk_enrol_view), name="enrollments_enrollment_bulk"),
            *super().get_urls(),
        ]

    def bulk_enrol_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = BulkEnrolForm(request.POST or None, request.FILES or None, user=request.user)
        result = None
        if request.method == "POST" and form.is_valid():
            try:
                emails = services.emails_from_csv(form.cleaned_data["file"])
                result = services.enrollment_bulk_create(
                    actor=request.user, course=form.cleaned_data["course"], emails=emails
                )
            except ApplicationError as exc:
                form.add_error("file", [exc.message, *exc.extra.get("errors", {}).get("file", [])])
        context = {**self.admin_site.each_context(request), "title": _("Enrol learners from a CSV file"),
                   "form": form, "result": result, "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/enrollments/bulk_enrol.html", context)

    @admin.display(description=_("Learner"), ordering="user__email")
    def learner(self, obj):
        # To the learner's lessons, attempts and scores in this course: the reports app's
        # page, linked by its URL's name, never imported.
        return format_html(
            '<a class="text-primary-600" href="{}" title="{}">{}</a>',
            reverse("reports:learner", args=[obj.pk]), _("Lessons and scores"), obj.user,
        )  # fmt: skip

    @admin.display(description=_("Progress (required lessons)"))
    def progress(self, obj):
        total = obj.lessons_required
        return f"{obj.lessons_done}/{total}" if total else "-"

    def _each(self, request, queryset, service, done_message) -> None:
        done = 0
        for enrollment in queryset.select_related("user"):
            try:
                service(enrollment)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{enrollment.user}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Drop the selected learners from their course"))
    def drop(self, request, queryset):
        self._each(
            request, queryset.filter(status=Enrollment.Status.ACTIVE),
            lambda e: services.enrollment_drop(enrollment=e), _("%(n)d learner(s) dropped; their progress is kept."),
        )  # fmt: skip
        if queryset.filter(status=Enrollment.Status.COMPLETED).exists():
            self.message_user(request, _("Learners who completed the course stay enrolled."), messages.WARNING)

    @admin.action(description=_("Bring the selected dropped learners back"))
    def reactivate(self, request, queryset):
        self._each(
            request, queryset.filter(status=Enrollment.Status.DROPPED),
            lambda e: services.enrollment_reactivate(enrollment=e, by=request.user),
            _("%(n)d learner(s) back in their course, with their progress."),
        )  # fmt: skip

    @admin.action(description=_("Reset the selected learners' progress…"))
    def reset_progress(self, request, queryset):
        """A confirmation page first: what is removed and what stays."""
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request), "title": _("Reset progress"), "opts": self.model._meta,
                "queryset": queryset.select_related("user", "course"), "action": "reset_progress",
            }  # fmt: skip
            return TemplateResponse(request, "admin/enrollments/reset_confirm.html", context)
        self._each(
            request, queryset, lambda e: services.enrollment_progress_reset(enrollment=e, by=request.user),
            _("%(n)d learner(s) start the course over."),
        )  # fmt: skip
        return None

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
                    csv_safe(e.user.email),
                    csv_safe(e.user.display_name),
                    csv_safe(e.course.title),
                    e.status,
                    e.progress.percent,
                    e.enrolled_at.isoformat(),
                    e.completed_at.isoformat() if e.completed_at else "",
                    e.last_activity_at.isoformat() if e.last_activity_at else "",
                ]
            )
        return response
