"""What every page's template may use: the brand (settings SITE_NAME, SITE_LOGO, BRAND_COLOR)."""

from django.conf import settings
from django.templatetags.static import static

from lms.views import DEFAULT_BRAND_COLOR


def brand(request) -> dict:
    logo = settings.SITE_LOGO
    return {
        "site_name": settings.SITE_NAME,
        "site_logo": logo if logo.startswith(("https://", "/")) else static(logo),
        "brand_css": settings.BRAND_COLOR != DEFAULT_BRAND_COLOR,  # app.css has the default
    }
