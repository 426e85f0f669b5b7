from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from lms import admin as lms_admin
from lms.events import SUBSCRIBABLE
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription


class StaffOnly:
    def has_module_permission(self, request):
        return services.can_manage_webhooks(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class SubscriptionForm(lms_admin.ShownFieldsModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, name) for name in sorted(SUBSCRIBABLE)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events this URL receives."),
    )

    class Meta:
        model = WebhookSubscription
        fields = "__all__"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(StaffOnly, lms_admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    fields = ["url", "events", "is_active", "description", "secret"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(StaffOnly, lms_admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "subscription"]
    list_select_related = ["event", "subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay_selected", "replay_all_dead"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Event"))
    def event_type(self, obj):
        return obj.event.event_type

    @admin.action(description=_("Replay the selected deliveries"))
    def replay_selected(self, request, queryset):
        n = services.replay(deliveries=list(queryset))
        self.message_user(request, _("%(n)d delivery(ies) queued again.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Replay every dead delivery"))
    def replay_all_dead(self, request, queryset):
        n = services.replay_dead()
        self.message_user(request, _("%(n)d dead delivery(ies) queued again.") % {"n": n}, messages.SUCCESS)
