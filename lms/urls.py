from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from lms import views

api_v1 = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    path("docs/", views.DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/", include("accounts.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("enrollments.api.urls")),
    path("", include("quizzes.api.urls")),
    path("", include("certificates.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("accounts.urls")),
    path("", include("courses.urls")),
    path("", include("enrollments.urls")),
    path("", include("quizzes.urls")),
    path("", include("certificates.urls")),
    path("", include("reports.urls")),
]

if settings.DEBUG and settings.FILE_STORAGE_PROVIDER == "local":
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "lms.views.bad_request"
handler403 = "lms.views.permission_denied"
handler404 = "lms.views.not_found"
handler500 = "lms.views.server_error"
