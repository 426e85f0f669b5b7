"""A course's cover placeholder, for courses without a cover image: one of a few colours,
chosen by the course (stable), and the initials of its title."""

from django import template

register = template.Library()

HUES = 6  # .cover-hue-0 … .cover-hue-5 in app.css


@register.filter
def cover_hue(course_id) -> int:
    try:
        return int(course_id) % HUES
    except (TypeError, ValueError):
        return 0


@register.filter
def title_initials(title: str) -> str:
    words = [w for w in str(title or "").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "·"
