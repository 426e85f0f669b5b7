from django.urls import path
from rest_framework.routers import SimpleRouter

from courses.api import views

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = [
    *router.urls,
    path("lessons/<int:lesson_id>/", views.LessonDetailView.as_view(), name="lesson-detail"),
    path(
        "lessons/<int:lesson_id>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="lesson-attachment",
    ),
]
