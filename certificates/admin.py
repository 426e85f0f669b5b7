"""Certificates in the admin: list, search, revoke with a reason, re-render, and manual
issue for a learner who completed the course offline (staff only)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from certificates import services, tasks
from certificates.models import Certificate
from courses import access
from courses.models import Course
from lms import admin as lms_admin
from lms.exceptions import ApplicationError


class RevokeForm(lms_admin.StyledForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ManualIssueForm(lms_admin.StyledForm):
    user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("email"))
    course = forms.ModelChoiceField(queryset=Course.objects.order_by("title"))


@admin.register(Certificate)
class CertificateAdmin(lms_admin.ModelAdmin):
    list_display = ["display_code", "learner_name", "course_title", "issued_at", "ready", "revoked_at"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "learner_name", "course_title", "user__email"]
    readonly_fields = [
        "display_code", "user", "course", "enrollment", "issued_at", "learner_name", "course_title",
        "instructor_names", "pdf", "rendered_at", "render_error", "name_withheld_at", "email_sent_at", "revoked_at",
        "revoked_reason", "revoked_by",
    ]  # fmt: skip
    exclude = ["code"]
    actions = ["revoke", "rerender"]
    list_select_related = ["course"]

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="course")

    @admin.display(description=_("PDF ready"), boolean=True)
    def ready(self, obj) -> bool:
        return obj.is_ready

    def has_module_permission(self, request):
        return access.can_use_instructor_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # certificates are revoked, never deleted

    def get_urls(self):
        return [
            path("issue/", self.admin_site.admin_view(self.issue_view), name="certificates_certificate_issue"),
            *super().get_urls(),
        ]

    def has_revoke_permission(self, request) -> bool:
        """Revoking is staff's: instructors are not offered the action."""
        return access.is_full_access(request.user)

    @admin.action(description=_("Revoke the selected certificates"), permissions=["revoke"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for certificate in queryset:
                services.certificate_revoke(
                    certificate=certificate, reason=form.cleaned_data["reason"], revoked_by=request.user
                )
            self.message_user(request, _("Revoked %(n)d certificate(s).") % {"n": queryset.count()}, messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": _("Revoke certificates"), "form": form,
                   "queryset": queryset, "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/certificates/revoke.html", context)

    @admin.action(description=_("Re-render the PDF (same code)"))
    def rerender(self, request, queryset):
        for certificate in queryset:
            tasks.certificate_render.delay(certificate.pk, force=True)
        self.message_user(request, _("Re-rendering queued."), messages.SUCCESS)

    def issue_view(self, request):
        if not access.is_full_access(request.user):
            self.message_user(request, _("Only staff can issue certificates manually."), messages.ERROR)
            return redirect("admin:certificates_certificate_changelist")
        form = ManualIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                certificate = services.certificate_issue_manually(
                    user=form.cleaned_data["user"], course=form.cleaned_data["course"], issued_by=request.user
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:  # issuing queued its PDF and email
                self.message_user(request, _("Issued %(code)s.") % {"code": certificate.display_code}, messages.SUCCESS)
                return redirect("admin:certificates_certificate_changelist")
        context = {**self.admin_site.each_context(request), "title": _("Issue a certificate"), "form": form,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/certificates/issue.html", context)
