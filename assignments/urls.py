from django.urls import path

from assignments import views

app_name = "assignments"

urlpatterns = [
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="detail"),
    path("submissions/<int:submission_id>/files/<int:file_id>/", views.submission_file, name="file"),
    path("submissions/<int:submission_id>/feedback/<int:file_id>/", views.feedback_file, name="feedback_file"),
]
