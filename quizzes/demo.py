"""A demo quiz with one question of each kind (idempotent)."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from courses.models import Course
from quizzes.models import Accommodation, Choice, Question, Quiz


def seed(*, stdout) -> None:
    course = Course.objects.filter(slug="python-foundations").first()
    if course is None or Quiz.objects.filter(course=course).exists():
        return
    # An optional practice quiz right after a lesson: shown in the outline, never required.
    lesson = course.lessons.filter(title="Variables and types").first()
    if lesson is not None:
        practice = Quiz.objects.create(
            lesson=lesson, title="Practice: types", pass_mark=50, is_required=False,
            review_policy=Quiz.ReviewPolicy.AFTER_SUBMIT,
        )  # fmt: skip
        Question.objects.create(
            quiz=practice, position=1, kind="true_false", prompt="`42` and `'42'` have the same type.",
            correct_bool=False, explanation="One is an `int`, the other a `str`.",
        )  # fmt: skip
    module = course.modules.order_by("-position").first()
    quiz = Quiz.objects.create(
        module=module,
        title="Python basics check",
        instructions="Answer all five questions. You need **60%** to pass.",
        pass_mark=60,
        max_attempts=3,
        time_limit_minutes=15,
        shuffle_choices=True,
        review_policy=Quiz.ReviewPolicy.AFTER_SUBMIT,
    )
    single = Question.objects.create(
        quiz=quiz,
        position=1,
        kind="single",
        prompt="Which keyword defines a function?",
        explanation="`def` starts a function definition.",
    )
    for text, ok in [("def", True), ("func", False), ("lambda", False)]:
        Choice.objects.create(question=single, text=text, is_correct=ok)
    multiple = Question.objects.create(
        quiz=quiz, position=2, kind="multiple", points=2, prompt="Which of these are built-in types?"
    )
    for text, ok in [("list", True), ("dict", True), ("array", False)]:
        Choice.objects.create(question=multiple, text=text, is_correct=ok)
    Question.objects.create(
        quiz=quiz, position=3, kind="true_false", prompt="Python lists are immutable.", correct_bool=False
    )
    Question.objects.create(
        quiz=quiz,
        position=4,
        kind="short_text",
        prompt="What does `len('abc')` return? (in words)",
        accepted_answers=["three", "3"],
    )
    Question.objects.create(
        quiz=quiz,
        position=5,
        kind="numeric",
        prompt="What is `7 / 2`?",
        numeric_value=Decimal("3.5"),
        numeric_tolerance=Decimal("0.01"),
    )
    stdout.write(f"  quizzes    {quiz.title} ({quiz.questions.count()} questions)")
    # An accommodation: the demo learner has half as much time again on this course's quizzes.
    learner = get_user_model().objects.filter(email="learner@example.com").first()
    instructor = course.instructors.first()
    if learner is not None:
        Accommodation.objects.get_or_create(
            user=learner,
            course=course,
            defaults={"time_multiplier": Decimal("1.5"), "reason": "Extra time (demo)", "granted_by": instructor},
        )
        stdout.write("  quizzes    learner@example.com has 1.5x time on Python Foundations' quizzes")
