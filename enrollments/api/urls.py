from django.urls import path
from rest_framework.routers import SimpleRouter

from enrollments.api import views

router = SimpleRouter()
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")

urlpatterns = [
    *router.urls,
    path("lessons/<int:lesson_id>/", views.LessonDetailView.as_view(), name="lesson-detail"),
    path(
        "lessons/<int:lesson_id>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="lesson-attachment",
    ),
    path("lessons/<int:lesson_id>/complete/", views.LessonCompleteView.as_view(), name="lesson-complete"),
    path("lessons/<int:lesson_id>/video-progress/", views.VideoProgressView.as_view(), name="lesson-video-progress"),
    path("courses/<slug:slug>/enrollments/bulk/", views.BulkEnrolView.as_view(), name="course-bulk-enrol"),
]
