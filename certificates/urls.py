from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.lookup, name="lookup"),
    path("certificates/<int:certificate_id>/download/", views.download, name="download"),
    path("certificates/<str:code>/", views.verify, name="verify"),
]
