"""Quiz API: quizzes/{id}/, quizzes/{id}/attempts/, attempts/{id}/, attempts/{id}/submit/."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from lms.api.idempotency import idempotent
from quizzes import presentation, selectors, services
from quizzes.api.serializers import AnswersSerializer, AttemptSerializer, AttemptSummarySerializer, QuizSerializer
from quizzes.models import Attempt
from quizzes.presentation import quiz_payload


class QuizDetailView(GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = QuizSerializer

    def get(self, request, quiz_id: int):
        quiz = selectors.quiz_get_for(request.user, quiz_id)
        return Response(QuizSerializer(quiz_payload(quiz, request.user)).data)


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
