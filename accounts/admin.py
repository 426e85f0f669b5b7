from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts import services
from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, UnfoldModelAdmin):
    """Only admins (superusers) reach this page. The role decides the staff and superuser
    flags and the Instructors group (accounts.services.user_set_role), so those are not
    edited by hand. Password hashes are never shown."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined", "updated_at", "password_changed_at"]
    actions = ["deactivate_users"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["first_name", "last_name", "bio", "avatar", "time_zone"]}),
        (_("Role and access"), {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "updated_at", "password_changed_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2", "role"]}),
    ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: their certificates and attempts stay.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "role" in form.changed_data:
            services.user_set_role(user=obj, role=obj.role)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(user=obj)

    @admin.action(description=_("Deactivate the selected users"))
    def deactivate_users(self, request, queryset):
        count = 0
        for user in queryset.exclude(pk=request.user.pk).filter(is_active=True):
            services.user_deactivate(user=user)
            count += 1
        self.message_user(
            request, ngettext("%d user deactivated.", "%d users deactivated.", count) % count, messages.SUCCESS
        )
