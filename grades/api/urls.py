from django.urls import path

from grades.api import views

urlpatterns = [
    path("courses/<slug:slug>/grades/", views.CourseGridView.as_view(), name="course-grades"),
    path("courses/<slug:slug>/grades/me/", views.MyGradesView.as_view(), name="course-grades-mine"),
]
