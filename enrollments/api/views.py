"""Learning API: enrollments, progress, lesson completion."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from courses import selectors as course_selectors
from courses import services as course_services
from courses.api.serializers import LessonSerializer, LessonWriteSerializer, outline_item_payload
from courses.files import attachment_response
from enrollments import access, selectors, services
from enrollments.api.serializers import (
    BulkEnrolResultSerializer,
    BulkEnrolSerializer,
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
    ProgressSerializer,
    VideoProgressResultSerializer,
    VideoProgressSerializer,
)
from lms.api.idempotency import idempotent
from lms.api.parsers import JSONParser
from lms.exceptions import NotFoundError, PermissionDeniedError


def progress_payload(enrollment, progress: selectors.Progress | None = None) -> dict:
    """Percent, steps left, the next step, and per module every item in order (lessons,
    quizzes) with its state (`progress`: the enrollment's as the learner sees it, or as
    just counted by a write, which knows the lessons only: the rest is read then)."""
    outline = course_selectors.outline_for(enrollment.course_id)
    progress = selectors.progress_for(enrollment) if progress is None else selectors.with_next_step(progress, outline)
    done = progress.completed_lesson_ids
    next_item = progress.next_item

    def state(entry) -> str:
        return "current" if entry == next_item else progress.state_of(entry)

    return {
        "enrollment": enrollment.pk,
        "status": enrollment.status,
        "percent": progress.percent,
        "required_total": progress.required_total,
        "required_done": progress.required_done,
        "steps_left": progress.steps_left,
        "next_lesson": progress.next_lesson_id,
        "next_step": outline_item_payload(next_item) if next_item else None,
        "modules": [
            {
                "id": module.pk,
                "title": module.title,
                "lessons_done": sum(1 for ls in module.lessons if ls.pk in done),
                "lessons_total": len(module.lessons),
                "lessons": [
                    {
                        "id": ls.pk,
                        "title": ls.title,
                        "kind": ls.kind,
                        "is_required": ls.is_required,
                        "state": "done" if ls.pk in done else "current" if ls.pk == progress.next_lesson_id else "todo",
                    }
                    for ls in module.lessons
                ],
                "items": [{**outline_item_payload(entry), "state": state(entry)} for entry in module.items],
            }
            for module in outline.modules
        ],
    }


class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Own enrollments; instructors also list those of their courses (`?course=<slug>`)."""

    permission_classes = [IsAuthenticated]
    serializer_class = EnrollmentSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        return selectors.enrollment_list_for(
            self.request.user, course_slug=params.get("course"), status=params.get("status")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.attach_progress(list(page)) if page is not None else None

    def get_object(self):
        enrollment = selectors.enrollment_get_for(self.request.user, self.kwargs["pk"])
        annotated = selectors.with_progress_counts(type(enrollment).objects.filter(pk=enrollment.pk)).select_related(
            "course", "user"
        )
        return selectors.attach_progress([annotated.get()])[0]

    @extend_schema(
        parameters=[OpenApiParameter("course", str), OpenApiParameter("status", str)],
        responses={200: EnrollmentSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=EnrollmentCreateSerializer, responses={200: EnrollmentSerializer, 201: EnrollmentSerializer})
    @idempotent
    def create(self, request):
        serializer = EnrollmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = course_selectors.course_get_for(request.user, serializer.validated_data["course"], with_outline=False)
        enrollment, created = services.enrollment_create(user=request.user, course=course)
        self.kwargs["pk"] = enrollment.pk
        data = EnrollmentSerializer(self.get_object()).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        enrollment = self.get_object()
        if enrollment.user_id != request.user.pk:
            raise PermissionDeniedError("Only the learner can drop their enrollment.")
        services.enrollment_drop(enrollment=enrollment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: ProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        enrollment = selectors.enrollment_get_for(request.user, pk)
        return Response(progress_payload(enrollment))


class LessonDetailView(GenericAPIView):
    """A lesson. Its content (body, video, attachments) only for those who may read it:
    403 with the outline fields for others who can see the course, 404 when they cannot."""

    # Who may read it is enrollments.access's rule; its instructors change it here too
    # (courses.services).

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = LessonSerializer

    def get(self, request, lesson_id: int):
        lesson = course_selectors.lesson_get_for(request.user, lesson_id)
        if not access.can_read_lesson(request.user, lesson):
            raise PermissionDenied("Enrol in this course to read this lesson.")
        return Response(LessonSerializer(lesson, context={"can_read": True}).data)

    @extend_schema(request=LessonWriteSerializer, responses={200: LessonSerializer})
    def patch(self, request, lesson_id: int):
        """Change the lesson; `module` moves it to another module of its course."""
        lesson = course_selectors.lesson_get_for_edit(request.user, lesson_id)
        serializer = LessonWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "module" in data:
            data["module"] = lesson.course.modules.filter(pk=data["module"]).first()
            if data["module"] is None:
                raise ValidationError({"module": ["No such module in this lesson's course."]})
        course_services.lesson_update(lesson=lesson, data=data)
        lesson = course_selectors.lesson_get_for(request.user, lesson_id)
        return Response(LessonSerializer(lesson, context={"can_read": True}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, lesson_id: int):
        """Delete the lesson with its attachments and learners' progress on it (409 while a
        quiz hangs on it)."""
        course_services.lesson_delete(lesson=course_selectors.lesson_get_for_edit(request.user, lesson_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadView(GenericAPIView):
    """Serves a lesson attachment to those who may read the lesson, always as a download."""

    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, lesson_id: int, attachment_id: int):
        lesson = course_selectors.lesson_get_for(request.user, lesson_id)
        if not access.can_read_lesson(request.user, lesson):
            raise PermissionDenied("Enrol in this course to download its files.")
        attachment = next((a for a in lesson.attachments.all() if a.pk == attachment_id), None)
        if attachment is None:
            raise NotFoundError("Attachment not found.")
        return attachment_response(attachment)


class LessonCompleteView(GenericAPIView):
    """Mark a lesson complete (idempotent); returns the enrollment's progress."""

    permission_classes = [IsAuthenticated]
    serializer_class = ProgressSerializer

    @extend_schema(request=None, responses={200: ProgressSerializer})
    def post(self, request, lesson_id: int):
        lesson = course_selectors.lesson_get_visible(request.user, lesson_id)
        done = services.lesson_complete(user=request.user, lesson=lesson)
        return Response(progress_payload(done.enrollment, done.progress))


class VideoProgressView(GenericAPIView):
    """Report where the player is in a lesson's uploaded video (while playing, on pause,
    at the end). The server counts what was watched from these positions, no faster than
    a player plays, and completes the lesson at 90 %; a report sent twice counts once.
    409 `watch_the_video` for a lesson without an uploaded video."""

    permission_classes = [IsAuthenticated]
    serializer_class = VideoProgressSerializer
    parser_classes = [JSONParser]

    @extend_schema(responses={200: VideoProgressResultSerializer})
    def post(self, request, lesson_id: int):
        lesson = course_selectors.lesson_get_visible(request.user, lesson_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = services.video_progress_record(user=request.user, lesson=lesson, **serializer.validated_data)
        return Response(
            {
                "position": done.position,
                "duration": done.duration,
                "watched_percent": int(done.watched_share * 100),
                "lesson_completed": done.lesson_completed,
                "course_completed": done.course_completed,
            }
        )


class BulkEnrolView(GenericAPIView):
    """Enrol existing accounts in a course by email: a CSV file (multipart, a column
    headed `email`) or a JSON list `emails`, at most 1,000 addresses. For the course's
    instructors and staff. The answer says what became of each address; a retry finds
    them enrolled already. Each learner enrolled gets the usual confirmation email."""

    permission_classes = [IsAuthenticated]
    serializer_class = BulkEnrolSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": BulkEnrolSerializer, "multipart/form-data": BulkEnrolSerializer},
        responses={200: BulkEnrolResultSerializer},
    )
    @idempotent
    def post(self, request, slug: str):
        course = course_selectors.course_get_for_edit(request.user, slug)
        serializer = BulkEnrolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "file" in serializer.validated_data:
            emails = services.emails_from_csv(serializer.validated_data["file"])
        else:
            emails = services.emails_validate(serializer.validated_data["emails"])
        result = services.enrollment_bulk_create(actor=request.user, course=course, emails=emails)
        return Response(BulkEnrolResultSerializer(result.as_dict()).data)
