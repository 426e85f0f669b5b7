"""Webhook subscriptions through the API, for staff (admins) only."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from webhooks import services
from webhooks.api.serializers import WebhookDeliverySerializer, WebhookSubscriptionSerializer
from webhooks.models import WebhookDelivery, WebhookSubscription


class IsStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return services.can_manage_webhooks(request.user)


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    permission_classes = [IsStaff]
    serializer_class = WebhookSubscriptionSerializer
    queryset = WebhookSubscription.objects.order_by("id")
    lookup_value_regex = r"\d+"
    filter_backends: list = []

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        page = self.paginate_queryset(
            WebhookDelivery.objects.filter(subscription=subscription).select_related("event").order_by("-created_at")
        )
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"], url_path="replay-dead")
    def replay_dead(self, request, pk=None):
        subscription = self.get_object()
        return Response({"replayed": services.replay_dead(subscription=subscription)})
