"""Exports in the admin: ask for one (kind and course), see its state, download it when
ready. Each person sees only their own exports."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lms import admin as lms_admin
from reports import selectors, services
from reports.models import Export


@admin.register(Export)
class ExportAdmin(lms_admin.ModelAdmin):
    list_display = ["__str__", "status", "row_count", "created_at", "finished_at", "download"]
    list_filter = ["kind", "status"]
    fields = ["kind", "format", "course"]
    list_select_related = ["course"]

    def get_queryset(self, request):
        return selectors.export_list_for(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = selectors.exportable_courses(request.user).order_by("title")
            kwargs["help_text"] = _("Leave empty for every course you teach (every course, for staff).")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return services.can_export(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_export(request.user)

    def has_add_permission(self, request):
        return services.can_export(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return services.can_export(request.user)

    def save_model(self, request, obj, form, change):
        export, created = services.export_request(
            user=request.user, kind=obj.kind, course=obj.course, format=obj.format
        )
        obj.pk = export.pk
        if created:
            self.message_user(
                request, _("The export is being built; you will get an email when it is ready."), messages.INFO
            )

    def delete_model(self, request, obj):
        services.export_delete(export=obj)

    def delete_queryset(self, request, queryset):
        for export in queryset:
            services.export_delete(export=export)

    @admin.display(description=_("Download"))
    def download(self, obj):
        if obj.status != Export.Status.READY:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("reports:download", args=[obj.pk]), _("Download CSV"))
