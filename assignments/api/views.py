"""Assignments API: assignments/{id}/, assignments/{id}/submissions/ (own, or all for the
course's teachers; POST hands work in), submissions/{id}/, submissions/{id}/files/{id}/,
and for the course's teachers submissions/{id}/grade/ and assignments/{id}/release/."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from assignments import selectors, services
from assignments.api.serializers import (
    AssignmentSerializer,
    GradeSerializer,
    HandInSerializer,
    ReleaseResultSerializer,
    SubmissionSerializer,
)
from assignments.models import Assignment, Submission
from courses import access
from courses import selectors as course_selectors
from lms.api.idempotency import idempotent
from lms.api.parsers import JSONParser
from lms.exceptions import NotFoundError
from lms.files import private_file_response

NOT_GIVEN = object()


def assignment_payload(assignment, user, *, due=NOT_GIVEN) -> dict:
    if due is NOT_GIVEN:
        due = services.due_for(user, assignment) if user.is_authenticated else assignment.due_at
    data = {name: getattr(assignment, name) for name in AssignmentSerializer().fields if hasattr(assignment, name)}
    return {**data, "course": assignment.course, "module_id": assignment.module_id, "your_due_at": due,
            "your_closes_at": services.closes_for(assignment, due)}  # fmt: skip


def submission_payload(submission: Submission, user, *, teaching: bool | None = None) -> dict:
    """`teaching`: whether `user` teaches the course, when the caller knows (a list asks
    once, not once a row)."""
    if teaching is None:
        released = selectors.grade_visible_to(user, submission)
    else:
        released = teaching or submission.status == Submission.Status.RETURNED
    return {
        "id": submission.pk,
        "assignment_id": submission.assignment_id,
        "user_id": submission.user_id,
        "number": submission.number,
        "status": submission.status if released or submission.status != Submission.Status.GRADED else "submitted",
        "text": submission.text,
        "submitted_at": submission.submitted_at,
        "due_at": submission.due_at,
        "late_seconds": submission.late_seconds,
        "files": [
            {
                "id": f.pk,
                "original_name": f.original_name,
                "size": f.size,
                "download_url": reverse("submission-file", kwargs={"submission_id": submission.pk, "file_id": f.pk}),
            }
            for f in submission.files.all()
        ],
        "version": submission.version,
        "grade_released": submission.status == Submission.Status.RETURNED,
        "score": submission.score if released else None,
        "penalty_percent": submission.penalty_percent if released else None,
        "final_score": submission.final_score if released else None,
        "feedback_html": submission.feedback_html if released else None,
        "rubric_choices": submission.rubric_choices if released else None,
        "feedback_files": [
            {
                "id": f.pk,
                "original_name": f.original_name,
                "size": f.size,
                "download_url": reverse(
                    "submission-feedback-file", kwargs={"submission_id": submission.pk, "file_id": f.pk}
                ),
            }
            for f in submission.feedback_files.all()
        ]
        if released
        else [],
    }


class AssignmentDetailView(GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = AssignmentSerializer

    def get(self, request, assignment_id: int):
        assignment = selectors.assignment_get_for(request.user, assignment_id)
        return Response(AssignmentSerializer(assignment_payload(assignment, request.user)).data)


class CourseAssignmentsView(GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = AssignmentSerializer
    queryset = Assignment.objects.none()

    @extend_schema(responses={200: AssignmentSerializer(many=True)})
    def get(self, request, slug: str):
        """The course's assignments in outline order (module, then id), each with your own
        due date; a course you may not see does not exist (404)."""
        course = course_selectors.course_get_for(request.user, slug, with_outline=False)
        rows = selectors.assignments_of(course)
        page = self.paginate_queryset(rows)
        extended = selectors.own_due_dates(request.user, [a.pk for a in page])
        return self.get_paginated_response(
            [
                AssignmentSerializer(assignment_payload(a, request.user, due=extended.get(a.pk, a.due_at))).data
                for a in page
            ]
        )


class AssignmentSubmissionsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = SubmissionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = Submission.objects.none()

    @extend_schema(responses={200: SubmissionSerializer(many=True)})
    def get(self, request, assignment_id: int):
        """Your submissions, newest first; the course's teachers get everyone's (paged)."""
        assignment = selectors.assignment_get_for(request.user, assignment_id)
        if access.can_edit_course(request.user, assignment.course):
            rows = (
                Submission.objects.filter(assignment=assignment)
                .exclude(status=Submission.Status.DRAFT)
                .select_related("assignment__course")
                .prefetch_related("files", "feedback_files")
                .order_by("submitted_at", "id")
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(
                [SubmissionSerializer(submission_payload(s, request.user, teaching=True)).data for s in page]
            )
        rows = selectors.submissions_of(request.user, assignment)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [SubmissionSerializer(submission_payload(s, request.user, teaching=False)).data for s in page]
        )

    @extend_schema(
        request={"multipart/form-data": HandInSerializer, "application/json": HandInSerializer},
        responses={200: SubmissionSerializer, 201: SubmissionSerializer},
    )
    @idempotent
    def post(self, request, assignment_id: int):
        """Hand work in (or keep a draft, `final: false`): text and files. Your work in
        progress is changed until it is graded (200); a new submission is 201."""
        assignment = selectors.assignment_get_for(request.user, assignment_id)
        data = request.data
        if hasattr(data, "getlist"):
            data = {
                **{k: data.get(k) for k in data if k not in ("files", "remove_files")},
                "files": request.FILES.getlist("files"),
                "remove_files": data.getlist("remove_files"),
            }
        serializer = HandInSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        submission, created = services.submission_save(
            user=request.user, assignment=assignment, text=serializer.validated_data.get("text"),
            files=serializer.validated_data.get("files", []), final=serializer.validated_data["final"],
            remove_files=serializer.validated_data.get("remove_files", []),
        )  # fmt: skip
        submission = selectors.submission_get_for(request.user, submission.pk)
        body = SubmissionSerializer(submission_payload(submission, request.user)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SubmissionDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = SubmissionSerializer
    queryset = Submission.objects.none()

    def get(self, request, submission_id: int):
        submission = selectors.submission_get_for(request.user, submission_id)
        return Response(SubmissionSerializer(submission_payload(submission, request.user)).data)


class SubmissionFileView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Submission.objects.none()

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, submission_id: int, file_id: int):
        """A file handed in: to its learner, the course's teachers and staff."""
        submission = selectors.submission_get_for(request.user, submission_id)
        found = next((f for f in submission.files.all() if f.pk == file_id), None)
        if found is None:
            raise NotFoundError("File not found.")
        return private_file_response(found.file, filename=found.download_name)


class FeedbackFileView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = Submission.objects.none()

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, submission_id: int, file_id: int):
        """A file returned with the feedback: the course's teachers, and the learner once released."""
        found = selectors.feedback_file_get_for(request.user, submission_id, file_id)
        return private_file_response(found.file, filename=found.download_name)


class SubmissionGradeView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = GradeSerializer
    queryset = Submission.objects.none()

    @extend_schema(request=GradeSerializer, responses={200: SubmissionSerializer})
    def post(self, request, submission_id: int):
        """Grade handed-in work (the course's teachers). `version` is the one you read: if
        someone graded it since, 409 with what is there now."""
        submission = selectors.submission_get_for(request.user, submission_id)
        selectors.assignment_get_for_edit(request.user, submission.assignment_id)
        serializer = GradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.submission_grade(
            submission=submission, score=serializer.validated_data.get("score"),
            feedback=serializer.validated_data.get("feedback", ""), by=request.user,
            version=serializer.validated_data["version"], rubric=serializer.validated_data.get("rubric"),
        )  # fmt: skip
        submission = selectors.submission_get_for(request.user, submission_id)
        return Response(SubmissionSerializer(submission_payload(submission, request.user)).data)


class AssignmentReleaseView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReleaseResultSerializer
    queryset = Submission.objects.none()

    @extend_schema(request=None, responses={200: ReleaseResultSerializer})
    def post(self, request, assignment_id: int):
        """Show learners every grade held so far (idempotent)."""
        assignment = selectors.assignment_get_for_edit(request.user, assignment_id)
        return Response({"released": services.grades_release(assignment=assignment)})
