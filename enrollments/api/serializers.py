from rest_framework import serializers

from courses.api.serializers import OutlineItemSerializer
from enrollments.models import Enrollment


class EnrollmentCourseSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class EnrollmentSerializer(serializers.ModelSerializer):
    course = EnrollmentCourseSerializer(read_only=True)
    user = serializers.SerializerMethodField()
    progress_percent = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id", "course", "user", "status", "enrolled_at", "completed_at", "dropped_at", "last_lesson",
            "last_activity_at", "progress_percent",
        ]  # fmt: skip
        read_only_fields = fields

    def get_user(self, enrollment) -> dict:
        # Learners see themselves; instructors see who their learners are.
        return {"id": enrollment.user_id, "name": enrollment.user.display_name}

    def get_progress_percent(self, enrollment) -> int | None:
        progress = getattr(enrollment, "progress", None)
        return progress.percent if progress is not None else None


class EnrollmentCreateSerializer(serializers.Serializer):
    course = serializers.SlugField(max_length=200, help_text="The course's slug.")


class LessonStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    is_required = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["done", "current", "todo"])


class ItemStateSerializer(OutlineItemSerializer):
    state = serializers.ChoiceField(
        choices=["done", "started", "current", "todo"],
        help_text='"current": the next step; "started": a lesson opened, not completed.',
    )


class ModuleStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    lessons = LessonStateSerializer(many=True)
    items = ItemStateSerializer(many=True, help_text="Every item of the module in order: lessons and quizzes.")


class ProgressSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField()
    status = serializers.CharField()
    percent = serializers.IntegerField()
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    steps_left = serializers.IntegerField()
    next_lesson = serializers.IntegerField(allow_null=True)
    next_step = OutlineItemSerializer(allow_null=True, help_text="The next item to do, of any kind; null when none.")
    modules = ModuleStateSerializer(many=True)


class BulkEnrolSerializer(serializers.Serializer):
    """Either a CSV file (multipart, a column headed `email`) or a JSON list of addresses."""

    file = serializers.FileField(required=False, help_text="CSV, UTF-8, a column headed `email`; at most 1 MB.")
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False, allow_empty=False, max_length=1000
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("emails" in attrs):
            raise serializers.ValidationError("Send either `file` or `emails`, not both and not neither.")
        return attrs


class BulkEnrolRefusalSerializer(serializers.Serializer):
    email = serializers.EmailField()
    code = serializers.CharField()
    message = serializers.CharField()


class BulkEnrolResultSerializer(serializers.Serializer):
    enrolled = serializers.ListField(child=serializers.EmailField())
    already_enrolled = serializers.ListField(child=serializers.EmailField())
    not_found = serializers.ListField(child=serializers.EmailField())
    refused = BulkEnrolRefusalSerializer(many=True)


class VideoProgressSerializer(serializers.Serializer):
    position = serializers.FloatField(min_value=0, max_value=86400, help_text="Seconds from the start.")
    duration = serializers.FloatField(min_value=0.001, max_value=86400, help_text="The video's length, in seconds.")


class VideoProgressResultSerializer(serializers.Serializer):
    position = serializers.FloatField()
    duration = serializers.FloatField()
    watched_percent = serializers.IntegerField(help_text="Share of the video watched, counted on the server.")
    lesson_completed = serializers.BooleanField()
    course_completed = serializers.BooleanField()
