from decimal import Decimal

from rest_framework import serializers

from quizzes.models import Choice, Question, Quiz


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


# Authoring (the course's instructors and staff): quizzes, questions with their keys.


class QuizWriteSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    module = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    pass_mark = serializers.IntegerField(min_value=0, max_value=100, required=False)
    max_attempts = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    time_limit_minutes = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    shuffle_questions = serializers.BooleanField(required=False)
    shuffle_choices = serializers.BooleanField(required=False)
    questions_per_attempt = serializers.IntegerField(min_value=1, max_value=32767, required=False, allow_null=True)
    review_policy = serializers.ChoiceField(choices=Quiz.ReviewPolicy.choices, required=False)
    is_required = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not self.partial and bool(attrs.get("lesson")) == bool(attrs.get("module")):
            raise serializers.ValidationError({"module": ["Give a lesson or a module (one of them)."]})
        if attrs.get("lesson") and attrs.get("module"):
            raise serializers.ValidationError({"module": ["Give a lesson or a module (one of them)."]})
        return attrs


class QuizAuthoringSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    question_count = serializers.IntegerField(source="questions.count", read_only=True)

    class Meta:
        model = Quiz
        fields = [
            "id", "course", "lesson", "module", "title", "instructions", "instructions_html", "pass_mark",
            "max_attempts", "time_limit_minutes", "shuffle_questions", "shuffle_choices", "questions_per_attempt",
            "review_policy", "is_required", "question_count",
        ]  # fmt: skip
        read_only_fields = fields


class ChoiceWriteSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        min_value=1, required=False, help_text="An existing choice to keep; omit for a new one."
    )
    text = serializers.CharField(max_length=500)
    is_correct = serializers.BooleanField(default=False)


class QuestionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices, required=False)
    prompt = serializers.CharField(max_length=20_000)
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"), required=False)
    position = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    correct_bool = serializers.BooleanField(required=False, allow_null=True)
    accepted_answers = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=100, required=False
    )
    numeric_value = serializers.DecimalField(max_digits=18, decimal_places=6, required=False, allow_null=True)
    numeric_tolerance = serializers.DecimalField(max_digits=18, decimal_places=6, min_value=Decimal(0), required=False)
    credit_all = serializers.BooleanField(required=False)
    dropped = serializers.BooleanField(required=False)
    choices = ChoiceWriteSerializer(
        many=True,
        required=False,
        max_length=100,
        help_text="Single and multiple choice: the whole set in order (replaces the question's choices).",
    )


class ChoiceAuthoringSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "text", "is_correct", "position"]
        read_only_fields = fields


class QuestionAuthoringSerializer(serializers.ModelSerializer):
    choices = ChoiceAuthoringSerializer(many=True, read_only=True)
    accepted_answers = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Question
        fields = [
            "id", "quiz", "kind", "position", "prompt", "prompt_html", "explanation", "points", "correct_bool",
            "accepted_answers", "numeric_value", "numeric_tolerance", "credit_all", "dropped", "choices",
        ]  # fmt: skip
        read_only_fields = fields
