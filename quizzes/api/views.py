"""Quiz API: quizzes/{id}/, quizzes/{id}/attempts/, attempts/{id}/, attempts/{id}/submit/;
and authoring for the course's instructors: quizzes/ (create), quizzes/{id}/ (change,
delete), quizzes/{id}/questions/ (list with keys, add), quizzes/{id}/questions/order/,
questions/{id}/ (read, change with its choices, delete), questions/{id}/duplicate/."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from courses import selectors as course_selectors
from courses.api.serializers import OrderSerializer
from courses.models import Lesson, Module
from lms.api.idempotency import idempotent
from quizzes import presentation, selectors, services
from quizzes.api.serializers import (
    AnswersSerializer,
    AttemptSerializer,
    AttemptSummarySerializer,
    QuestionAuthoringSerializer,
    QuestionWriteSerializer,
    QuizAuthoringSerializer,
    QuizSerializer,
    QuizWriteSerializer,
)
from quizzes.models import Attempt, Question, Quiz
from quizzes.presentation import quiz_payload


def _placement(data: dict, *, user=None, course_id: int | None = None) -> dict:
    """The lesson or module ids of a quiz write made objects: for a new quiz, one the
    requester teaches (404/403 as the course's other edits); for a change, one of the
    quiz's own course (400 otherwise)."""
    data = dict(data)
    for name, model, get_for_edit in (
        ("lesson", Lesson, course_selectors.lesson_get_for_edit),
        ("module", Module, course_selectors.module_get_for_edit),
    ):
        pk = data.get(name)
        if pk is None:
            continue
        if course_id is None:
            data[name] = get_for_edit(user, pk)
        else:
            data[name] = model.objects.filter(course_id=course_id, pk=pk).first()
            if data[name] is None:
                raise ValidationError({name: [f"No such {name} in this quiz's course."]})
    return data


class QuizCreateView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = QuizWriteSerializer
    queryset = Quiz.objects.none()

    @extend_schema(request=QuizWriteSerializer, responses={201: QuizAuthoringSerializer})
    @idempotent
    def post(self, request):
        """A new quiz on a lesson or a module of a course you teach."""
        serializer = QuizWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quiz = services.quiz_create(data=_placement(serializer.validated_data, user=request.user))
        return Response(QuizAuthoringSerializer(quiz).data, status=status.HTTP_201_CREATED)


class QuizDetailView(GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = QuizSerializer

    def get(self, request, quiz_id: int):
        quiz = selectors.quiz_get_for(request.user, quiz_id)
        return Response(QuizSerializer(quiz_payload(quiz, request.user)).data)

    @extend_schema(request=QuizWriteSerializer, responses={200: QuizAuthoringSerializer})
    def patch(self, request, quiz_id: int):
        """Change the quiz; a lesson or module of its course moves it there."""
        quiz = selectors.quiz_get_for_edit(request.user, quiz_id)
        serializer = QuizWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        quiz = services.quiz_update(quiz=quiz, data=_placement(serializer.validated_data, course_id=quiz.course_id))
        return Response(QuizAuthoringSerializer(quiz).data)

    @extend_schema(responses={204: None})
    def delete(self, request, quiz_id: int):
        """Delete a quiz nobody has attempted (409 once attempted)."""
        services.quiz_delete(quiz=selectors.quiz_get_for_edit(request.user, quiz_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _question_data(validated: dict) -> tuple[dict, list[dict] | None]:
    data = dict(validated)
    return data, data.pop("choices", None)


class QuizQuestionsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = QuestionAuthoringSerializer
    pagination_class = None
    queryset = Question.objects.none()

    @extend_schema(responses={200: QuestionAuthoringSerializer(many=True)})
    def get(self, request, quiz_id: int):
        """The quiz's questions in order, with their choices and keys."""
        quiz = selectors.quiz_get_for_edit(request.user, quiz_id)
        return Response(QuestionAuthoringSerializer(selectors.questions_for_edit(quiz), many=True).data)

    @extend_schema(request=QuestionWriteSerializer, responses={201: QuestionAuthoringSerializer})
    @idempotent
    def post(self, request, quiz_id: int):
        """Add a question (at the end unless a position is given) with its choices."""
        quiz = selectors.quiz_get_for_edit(request.user, quiz_id)
        serializer = QuestionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, choices = _question_data(serializer.validated_data)
        question = services.question_create(quiz=quiz, data=data, choices=choices)
        question = selectors.question_get_for_edit(request.user, question.pk)
        return Response(QuestionAuthoringSerializer(question).data, status=status.HTTP_201_CREATED)


class QuizQuestionOrderView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    queryset = Question.objects.none()

    @extend_schema(request=OrderSerializer, responses={200: QuestionAuthoringSerializer(many=True)})
    def put(self, request, quiz_id: int):
        """Put the quiz's questions in this order (every question once), atomically."""
        quiz = selectors.quiz_get_for_edit(request.user, quiz_id)
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.questions_reorder(quiz=quiz, order=serializer.validated_data["order"])
        return Response(QuestionAuthoringSerializer(selectors.questions_for_edit(quiz), many=True).data)


class QuestionDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = QuestionAuthoringSerializer
    queryset = Question.objects.none()

    def get(self, request, question_id: int):
        return Response(QuestionAuthoringSerializer(selectors.question_get_for_edit(request.user, question_id)).data)

    @extend_schema(request=QuestionWriteSerializer, responses={200: QuestionAuthoringSerializer})
    def patch(self, request, question_id: int):
        """Change the question; `choices` replaces its choices as a whole (ids kept for
        those listed with one), checked with the question's kind in one go."""
        question = selectors.question_get_for_edit(request.user, question_id)
        serializer = QuestionWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, choices = _question_data(serializer.validated_data)
        services.question_update(question=question, data=data, choices=choices)
        return Response(QuestionAuthoringSerializer(selectors.question_get_for_edit(request.user, question_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, question_id: int):
        """Remove the question from the quiz (attempts made keep it in their papers)."""
        services.question_delete(question=selectors.question_get_for_edit(request.user, question_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionDuplicateView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = QuestionAuthoringSerializer
    queryset = Question.objects.none()

    @extend_schema(request=None, responses={201: QuestionAuthoringSerializer})
    @idempotent
    def post(self, request, question_id: int):
        """A copy of the question and its choices, placed right after it."""
        copy = services.question_duplicate(question=selectors.question_get_for_edit(request.user, question_id))
        copy = selectors.question_get_for_edit(request.user, copy.pk)
        return Response(QuestionAuthoringSerializer(copy).data, status=status.HTTP_201_CREATED)


class QuizAttemptsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AttemptSummarySerializer
    pagination_class = None
    queryset = Attempt.objects.none()  # for the schema's path parameter types

    @extend_schema(responses={200: AttemptSummarySerializer(many=True)})
    def get(self, request, quiz_id: int):
        quiz = selectors.quiz_get_for(request.user, quiz_id)
        return Response(AttemptSummarySerializer(selectors.attempts_of(request.user, quiz), many=True).data)

    @extend_schema(request=None, responses={200: AttemptSerializer, 201: AttemptSerializer})
    @idempotent
    def post(self, request, quiz_id: int):
        """Start an attempt, or resume the one in progress (200)."""
        quiz = selectors.quiz_get_for(request.user, quiz_id)
        attempt, created = services.attempt_start(user=request.user, quiz=quiz)
        attempt = selectors.attempt_get_for(request.user, attempt.pk)
        data = AttemptSerializer(presentation.paper_for(attempt, request.user)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttemptDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AttemptSerializer

    def get(self, request, attempt_id: int):
        attempt = selectors.attempt_get_for(request.user, attempt_id)
        return Response(AttemptSerializer(presentation.paper_for(attempt, request.user)).data)

    @extend_schema(request=AnswersSerializer, responses={200: AttemptSerializer})
    def patch(self, request, attempt_id: int):
        """Save answers (autosave) while the attempt is open."""
        attempt = selectors.attempt_get_own(request.user, attempt_id)
        serializer = AnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.attempt_save_answers(attempt=attempt, answers=serializer.validated_data["answers"])
        attempt = selectors.attempt_get_for(request.user, attempt_id)
        return Response(AttemptSerializer(presentation.paper_for(attempt, request.user)).data)


class AttemptSubmitView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AttemptSerializer

    @extend_schema(request=None, responses={200: AttemptSerializer})
    @idempotent
    def post(self, request, attempt_id: int):
        """Grade and close the attempt; submitting again returns the same result."""
        attempt = selectors.attempt_get_own(request.user, attempt_id)
        attempt = services.attempt_submit(attempt=attempt)  # with its graded answers: not read again
        return Response(AttemptSerializer(presentation.paper_for(attempt, request.user)).data)
