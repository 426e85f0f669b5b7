from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api import analytics, views

router = SimpleRouter()
router.register("exports", views.ExportViewSet, basename="export")

urlpatterns = [
    *router.urls,
    path("analytics/overview/", analytics.overview, name="analytics-overview"),
    path("analytics/courses/<slug:slug>/", analytics.course, name="analytics-course"),
    path("analytics/site/", analytics.site, name="analytics-site"),
    path("analytics/me/", analytics.me, name="analytics-me"),
    path("analytics/remind/", analytics.remind, name="analytics-remind"),
]
