from django.urls import path

from assignments.api import views

urlpatterns = [
    path("courses/<slug:slug>/assignments/", views.CourseAssignmentsView.as_view(), name="course-assignments"),
    path("assignments/<int:assignment_id>/", views.AssignmentDetailView.as_view(), name="assignment-detail"),
    path(
        "assignments/<int:assignment_id>/submissions/",
        views.AssignmentSubmissionsView.as_view(),
        name="assignment-submissions",
    ),
    path("assignments/<int:assignment_id>/release/", views.AssignmentReleaseView.as_view(), name="assignment-release"),
    path("submissions/<int:submission_id>/", views.SubmissionDetailView.as_view(), name="submission-detail"),
    path(
        "submissions/<int:submission_id>/files/<int:file_id>/",
        views.SubmissionFileView.as_view(),
        name="submission-file",
    ),
    path(
        "submissions/<int:submission_id>/feedback-files/<int:file_id>/",
        views.FeedbackFileView.as_view(),
        name="submission-feedback-file",
    ),
    path("submissions/<int:submission_id>/grade/", views.SubmissionGradeView.as_view(), name="submission-grade"),
]
