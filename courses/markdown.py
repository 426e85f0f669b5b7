"""Markdown to safe HTML, once, when content is saved.

Markdown is rendered, then sanitised by nh3 (the Rust `ammonia` sanitiser) with an
allow-list: no script, no style, no event handlers, no `javascript:` or `data:` links.

Images: only the site's own (a path on this site, or `SITE_URL`) are shown, unless
`MARKDOWN_REMOTE_IMAGES` is on. A remote image would be fetched by every learner's
browser from a server the author chose, which then learns who read what and when (a
tracking pixel). A Markdown image of a remote address becomes a link to it; a raw
`<img>` of one loses its address in the sanitiser.
"""

import re
import xml.etree.ElementTree as etree

import markdown as md
import nh3
from django.conf import settings
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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


def image_allowed(src: str) -> bool:
    """Whether an image address may be shown to learners (see the module's docstring)."""
    src = src.strip()
    if settings.MARKDOWN_REMOTE_IMAGES:
        return True
    if src.startswith("/") and not src.startswith(("//", "/\\")):
        return True
    return bool(settings.SITE_URL) and src.startswith(settings.SITE_URL + "/")


class _RemoteImagesAsLinks(Treeprocessor):
    def run(self, root):
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                src = child.get("src", "")
                if child.tag == "img" and not image_allowed(src):
                    link = etree.Element("a", {"href": src})
                    link.text = child.get("alt") or src
                    link.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, link)


class _RemoteImages(Extension):
    def extendMarkdown(self, md_instance):
        md_instance.treeprocessors.register(_RemoteImagesAsLinks(md_instance), "remote_images", 0)


def _drop_remote_sources(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not image_allowed(value):
        return None
    return value


def render_markdown(text: str) -> str:
    html = md.markdown(text or "", extensions=["extra", "sane_lists", _RemoteImages()], output_format="html")
    return nh3.clean(
        _demote_headings(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_drop_remote_sources,
    )
