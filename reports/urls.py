from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("exports/<int:export_id>/download/", views.download, name="download"),
    path("reports/remind/", views.remind, name="remind"),
    path("reports/learners/<int:enrollment_id>/", views.learner, name="learner"),
]
