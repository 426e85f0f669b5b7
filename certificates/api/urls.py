from django.urls import path
from rest_framework.routers import SimpleRouter

from certificates.api import views

router = SimpleRouter()
router.register("certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("certificates/verify/<str:code>/", views.VerifyView.as_view(), name="certificate-verify"),
    *router.urls,
]
