from rest_framework import serializers

from certificates.models import Certificate


class CertificateSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    code = serializers.CharField(source="display_code", read_only=True)
    verification_url = serializers.CharField(read_only=True)
    ready = serializers.BooleanField(source="is_ready", read_only=True)
    revoked = serializers.BooleanField(source="is_revoked", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id", "code", "course", "course_title", "learner_name", "issued_at", "ready", "revoked", "revoked_at",
            "verification_url", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, certificate) -> str | None:
        return f"/api/v1/certificates/{certificate.pk}/download/" if certificate.is_ready else None


class VerificationSerializer(serializers.Serializer):
    """What anyone may learn from a code: nothing personal beyond the printed name."""

    code = serializers.CharField(source="display_code")
    status = serializers.SerializerMethodField()
    learner_name = serializers.CharField()
    course_title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.SerializerMethodField()

    def get_status(self, certificate) -> str:
        return "revoked" if certificate.is_revoked else "valid"

    def get_revoked_reason(self, certificate) -> str | None:
        return certificate.revoked_reason if certificate.is_revoked else None
