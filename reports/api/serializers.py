from django.urls import reverse
from rest_framework import serializers

from reports.models import V1_KIND_CHOICES, Export
from reports.services import RETENTION


class ExportSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=V1_KIND_CHOICES, read_only=True)
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    expires_at = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id", "kind", "format", "course", "status", "row_count", "error", "created_at", "finished_at", "expires_at",
            "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_expires_at(self, export: Export) -> str:
        return (export.created_at + RETENTION).isoformat()

    def get_download_url(self, export: Export) -> str | None:
        """Set once the file is ready."""
        if export.status != Export.Status.READY:
            return None
        url = reverse("export-download", kwargs={"pk": export.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ExportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=V1_KIND_CHOICES)
    format = serializers.ChoiceField(choices=Export.Format.choices, default=Export.Format.CSV)
    course = serializers.SlugField(
        required=False, allow_null=True, help_text="A course's slug; leave out for every course you teach."
    )
