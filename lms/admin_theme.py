"""The admin's brand, from the same settings as the learner pages (SITE_NAME, SITE_LOGO,
BRAND_COLOR): django-unfold reads these through settings.UNFOLD.

The brand colour is the primary shade 600, which unfold puts under white text on buttons
(BRAND_COLOR is refused at start unless white text reads on it, WCAG AA), and 500, which it
uses for links on white; lighter shades are the colour mixed with white, darker ones with
black, so a single setting recolours the whole admin.
"""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# How much white (weights under 500) or black (above 600) each shade mixes in.
_TINTS = {"50": 0.95, "100": 0.88, "200": 0.76, "300": 0.58, "400": 0.32}
_SHADES = {"700": 0.18, "800": 0.34, "900": 0.5, "950": 0.66}


def _mix(colour: str, other: tuple[int, int, int], share: float) -> str:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (o - c) * share) for c, o in zip(rgb, other, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def primary_palette(request=None) -> dict[str, str]:
    colour = settings.BRAND_COLOR
    palette = {weight: _mix(colour, (255, 255, 255), share) for weight, share in _TINTS.items()}
    palette |= {"500": colour, "600": colour}
    palette |= {weight: _mix(colour, (0, 0, 0), share) for weight, share in _SHADES.items()}
    return palette


def site_name(request=None) -> str:
    return settings.SITE_NAME


def site_logo(request=None) -> str:
    logo = settings.SITE_LOGO
    return logo if logo.startswith(("https://", "/")) else static(logo)


def favicons(request=None) -> list[dict[str, str]]:
    return [{"rel": "icon", "type": "image/svg+xml", "href": static("img/favicon.svg")}]


def site_dropdown(request=None) -> list[dict]:
    return [
        {"icon": "school", "title": _("The learners' site"), "link": reverse("courses:catalog")},
    ]


def extra_stylesheet(request=None) -> str:
    """static/css/admin.css: what the project adds to unfold's styles."""
    return static("css/admin.css")


def extra_script(request=None) -> str:
    """static/js/admin-a11y.js: names for the autocomplete boxes' search fields."""
    return static("js/admin-a11y.js")
