from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import InstructorFactory
from courses.models import Course, Lesson, Module
from quizzes.models import Choice, Question, Quiz


def published_course(*, instructor=None) -> Course:
    instructor = instructor or InstructorFactory()
    course = Course.objects.create(
        title="Quiz course", slug=f"quiz-course-{Course.objects.count() + 1}-{timezone.now().timestamp():.0f}",
        status=Course.Status.PUBLISHED, published_at=timezone.now(),
    )  # fmt: skip
    course.instructors.add(instructor)
    module = Module.objects.create(course=course, title="Module", position=1)
    Lesson.objects.create(module=module, course=course, title="Lesson", position=1)
    return course


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    module = factory.LazyFunction(lambda: published_course().modules.first())
    title = factory.Sequence(lambda n: f"Quiz {n}")
    pass_mark = 50
    max_attempts = 0
    review_policy = Quiz.ReviewPolicy.AFTER_SUBMIT


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    kind = Question.Kind.SINGLE
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    explanation = "Because."
    points = Decimal(1)
    position = factory.Sequence(int)


def single(quiz, *, correct="right", wrong=("wrong",), points=1) -> Question:
    q = QuestionFactory(quiz=quiz, kind="single", points=Decimal(points))
    Choice.objects.create(question=q, text=correct, is_correct=True)
    for text in wrong:
        Choice.objects.create(question=q, text=text, is_correct=False)
    return q


def multiple(quiz, *, correct=("a", "b"), wrong=("c",), points=2) -> Question:
    q = QuestionFactory(quiz=quiz, kind="multiple", points=Decimal(points))
    for text in correct:
        Choice.objects.create(question=q, text=text, is_correct=True)
    for text in wrong:
        Choice.objects.create(question=q, text=text, is_correct=False)
    return q


def true_false(quiz, *, answer=True) -> Question:
    return QuestionFactory(quiz=quiz, kind="true_false", correct_bool=answer)


def short_text(quiz, *, accepted=("Paris",)) -> Question:
    return QuestionFactory(quiz=quiz, kind="short_text", accepted_answers=list(accepted))


def numeric(quiz, *, value="3.14", tolerance="0.01") -> Question:
    return QuestionFactory(
        quiz=quiz, kind="numeric", numeric_value=Decimal(value), numeric_tolerance=Decimal(tolerance)
    )
