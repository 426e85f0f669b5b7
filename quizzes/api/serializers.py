from rest_framework import serializers


class QuizSerializer(serializers.Serializer):
    """A quiz without its questions or answers, with the requester's standing."""

    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    title = serializers.CharField()
    instructions_html = serializers.CharField()
    pass_mark = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    time_limit_minutes = serializers.IntegerField(allow_null=True)
    question_count = serializers.IntegerField()
    review_policy = serializers.CharField()
    is_required = serializers.BooleanField()
    your_max_attempts = serializers.IntegerField(
        help_text="The requester's attempt limit (0 = unlimited), accommodation applied."
    )
    your_time_limit_minutes = serializers.FloatField(
        allow_null=True, help_text="The requester's time limit, accommodation applied (null = none)."
    )
    accommodated = serializers.BooleanField(help_text="Whether the requester has an accommodation on this course.")
    attempts_used = serializers.IntegerField()
    attempts_left = serializers.IntegerField(allow_null=True)
    best_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField()


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    correct_answer = serializers.DictField()
    explanation = serializers.CharField()
    is_correct = serializers.BooleanField()
    points_awarded = serializers.CharField()
    max_points = serializers.CharField()


class PaperQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    prompt_html = serializers.CharField()
    points = serializers.CharField()
    dropped = serializers.BooleanField()
    choices = ChoiceSerializer(many=True)
    response = serializers.DictField(allow_null=True)
    review = ReviewSerializer(required=False)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    counts = serializers.BooleanField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.CharField(allow_null=True)
    max_score = serializers.CharField(allow_null=True)
    percent = serializers.CharField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    review_available = serializers.BooleanField()
    questions = PaperQuestionSerializer(many=True)


class AttemptSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text='Question id → response: {"choice": id}, {"choices": [ids]}, {"value": true}, {"text": "..."}, {"value": 3.14}.',
    )

    def validate_answers(self, value):
        if len(value) > 500:
            raise serializers.ValidationError("Too many answers.")
        return value
