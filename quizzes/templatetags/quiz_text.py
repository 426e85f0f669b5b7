"""Quiz texts kept as Markdown in the paper (an explanation), shown as the learner pages
show every Markdown text: rendered and sanitised by courses.markdown."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from courses.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str | None) -> SafeString:
    # render_markdown sanitises its output (nh3, an allow-list): what it returns is safe.
    return mark_safe(render_markdown(text or ""))  # noqa: S308  # nosec B308 B703
