from rest_framework.routers import SimpleRouter

from courses.api import views

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = router.urls
# A lesson's content and attachments are read by enrollment: enrollments/api/urls.py.
