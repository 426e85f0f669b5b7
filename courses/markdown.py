"""Markdown to safe HTML, once, when content is saved.

Markdown is rendered, then sanitised by nh3 (the Rust `ammonia` sanitiser) with an
allow-list: no script, no style, no event handlers, no `javascript:` or `data:` links.
"""

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
}


_HEADING = re.compile(r"<(/?)h([1-6])\b")


def _demote_headings(html: str) -> str:
    """The page owns the only <h1>: content headings start at <h2> (an `#` becomes h2)."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 1)}", html)


def render_markdown(text: str) -> str:
    html = _demote_headings(md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html"))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
