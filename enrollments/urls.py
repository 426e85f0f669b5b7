from django.urls import path

from enrollments import views

app_name = "enrollments"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("courses/<slug:slug>/enrol/", views.enrol, name="enrol"),
    path("courses/<slug:slug>/drop/", views.drop, name="drop"),
    path("courses/<slug:slug>/finished/", views.finished, name="finished"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/video/", views.video, name="video"),
    path(
        "courses/<slug:slug>/lessons/<int:lesson_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
