from django.urls import path
from rest_framework.routers import SimpleRouter

from courses.api import views

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = [
    *router.urls,
    path("modules/<int:module_id>/", views.ModuleDetailView.as_view(), name="module-detail"),
    path("modules/<int:module_id>/lessons/order/", views.ModuleLessonOrderView.as_view(), name="module-lesson-order"),
]
# A lesson's content and attachments are read by enrollment: enrollments/api/urls.py.
