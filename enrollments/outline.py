"""A course's outline with one learner's state (the lesson page's sidebar, the course page's
syllabus for an enrolled learner): the course's cached links (courses.fragments.outline_links,
escaped there) joined here in Python, because a template loop over a long course's items cost
more than the rest of the page (docs/performance.md)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from courses import fragments
from enrollments.selectors import Progress


def _marks() -> dict[str, str]:
    """Each state's mark: a symbol for the eye, words for a screen reader (never colour
    or symbol alone)."""

    def mark(words: str, symbol: str) -> str:
        return format_html('<span class="visually-hidden">{}</span><span aria-hidden="true">{}</span>', words, symbol)

    return {
        "done": mark(_("(done)"), "✓"),
        "started": mark(_("(in progress)"), "◐"),
        "locked": mark(_("(locked)"), "🔒"),
        "todo": "",
    }


def outline_html(
    links: fragments.OutlineLinks,
    *,
    progress: Progress | None,
    readable: set[int],
    items_open: bool,
    current_id: int | None = None,
    with_meta: bool = False,
    heading: str = "h2",
) -> SafeString:
    """The outline's modules and their items in order, each with its state for this
    learner (done, in progress, locked, the next step, required), a link where they may
    open it: the lessons in `readable`, the other items (quizzes) when `items_open`."""
    marks = _marks()
    required_text = format_html(' <span class="badge badge-required">{}</span>', _("Required"))
    next_text = format_html(' <span class="badge badge-next">{}</span>', pgettext("the learner's next step", "Next"))
    next_item = progress.next_item if progress else None
    next_key = (next_item.item_type, next_item.pk) if next_item is not None else None
    state_of = progress.state_of if progress else (lambda entry: "todo")
    parts: list[str] = []
    for module_title, links_of_module in links:
        parts.append(
            f'<div class="module"><{heading} class="outline-module">{module_title}</{heading}>\n<ol class="outline">\n'
        )
        for link in links_of_module:
            entry = link.entry
            kind, pk = entry.item_type, entry.pk
            can_open = pk in readable if kind == "lesson" else items_open
            state = state_of(entry)
            if state != "done" and not can_open:
                state = "locked"
            is_current = kind == "lesson" and pk == current_id
            classes = f"item-{kind} {state}"
            title = link.title
            if can_open:
                aria = ' aria-current="page"' if is_current else ""
                title = f'<a href="{link.href}"{aria}>{title}</a>'
            badges = marks[state]
            if kind != "lesson" and entry.is_required and state != "done":
                badges += required_text
            if is_current:
                classes += " current"
            elif next_key is not None and (kind, pk) == next_key:
                badges += next_text
                classes += " next"
            meta = f' <span class="meta">· {link.meta}</span>' if with_meta or kind != "lesson" else ""
            parts.append(f'<li class="{classes}">{title}{meta} {badges}</li>\n')
        parts.append("</ol></div>\n")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703: every value above is escaped
