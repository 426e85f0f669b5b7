from django.urls import path

from grades import views

app_name = "grades"

urlpatterns = [path("courses/<slug:slug>/grades/", views.my_grades, name="mine")]
