from rest_framework import serializers

from assignments.models import Assignment


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    module = serializers.IntegerField(source="module_id")
    title = serializers.CharField()
    instructions_html = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    accept_text = serializers.BooleanField()
    accept_files = serializers.BooleanField()
    max_files = serializers.IntegerField()
    max_file_mb = serializers.IntegerField()
    opens_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    cutoff_at = serializers.DateTimeField(allow_null=True)
    late_policy = serializers.ChoiceField(choices=Assignment.LatePolicy.choices)
    late_penalty_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    late_penalty_cap_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    max_submissions = serializers.IntegerField()
    is_required = serializers.BooleanField()
    pass_percent = serializers.IntegerField()
    rubric = serializers.JSONField(help_text='[{"title", "levels": [{"label", "points"}]}]; empty without one.')
    anonymous_grading = serializers.BooleanField()
    your_due_at = serializers.DateTimeField(allow_null=True, help_text="The requester's own due date (extensions).")
    your_closes_at = serializers.DateTimeField(allow_null=True, help_text="After this, nothing is accepted from you.")


class SubmissionFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    download_url = serializers.CharField()


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField(source="assignment_id")
    user = serializers.IntegerField(source="user_id")
    number = serializers.IntegerField()
    status = serializers.CharField()
    text = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    late_seconds = serializers.IntegerField()
    files = SubmissionFileSerializer(many=True)
    version = serializers.IntegerField(help_text="Send it back when grading: a stale one is refused (409).")
    grade_released = serializers.BooleanField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="Before the penalty.")
    penalty_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    final_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    feedback_html = serializers.CharField(allow_null=True)
    feedback_files = SubmissionFileSerializer(many=True, help_text="Returned with the feedback, once released.")
    rubric_choices = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The level picked in each criterion, once released.",
    )


class HandInSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=200_000)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=20)
    final = serializers.BooleanField(default=True, help_text="false keeps a draft (not once handed in: 409).")
    remove_files = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=50,
        help_text="Ids of files of your work in progress to take away. Text left out is kept.",
    )


class GradeSerializer(serializers.Serializer):
    score = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Required without a rubric; with one, the levels picked make the score.",
    )
    rubric = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text='The level picked in each criterion, by their index: {"0": 2, "1": 0}.',
    )
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    version = serializers.IntegerField(min_value=1)


class ReleaseResultSerializer(serializers.Serializer):
    released = serializers.IntegerField()
