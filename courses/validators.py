"""Upload checks for course files: an allow-list of types, decided by the content (magic
bytes), not by the name or the browser's claim, and a size limit."""

from __future__ import annotations

import codecs
import os
import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# extension -> the content signature it must have
_ZIP = (b"PK\x03\x04",)
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "zip": ("application/zip", _ZIP),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain", None),
    "md": ("text/markdown", None),
    "csv": ("text/csv", None),
}
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def _head(file, size: int = 4096) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(size)
    file.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def _check_size(file, limit: int) -> None:
    if file.size > limit:
        raise ValidationError(
            _("The file is larger than %(mb)d MB."), params={"mb": limit // (1024 * 1024)}, code="file_too_large"
        )


def _is_fresh_upload(file) -> bool:
    return not getattr(file, "_committed", True) or hasattr(file, "content_type")


def validate_attachment(file) -> None:
    if not _is_fresh_upload(file):
        return
    _check_size(file, settings.COURSE_ATTACHMENT_MAX_BYTES)
    extension = _extension(file.name)
    if extension not in ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(ATTACHMENT_TYPES))
        raise ValidationError(
            _("This file type is not allowed. Allowed: %(allowed)s."), params={"allowed": allowed}, code="file_type"
        )
    signatures = ATTACHMENT_TYPES[extension][1]
    head = _head(file)
    if signatures is None:
        # Text: valid UTF-8 and no NUL bytes; never HTML or SVG in disguise.
        try:
            # Incremental: a multi-byte character cut by the end of the head is not an error.
            text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            text = None
        # Browsers sniff a file that starts with markup as HTML (after a byte order mark
        # and blanks): refuse any start of a tag, comment, doctype or XML declaration.
        if text is None or "\x00" in text or re.match(r"[\ufeff\s]*<[a-z!?/]", text, re.I):
            raise ValidationError(_("The file's content does not match its type."), code="file_content")
    elif not head.startswith(signatures):
        raise ValidationError(_("The file's content does not match its type."), code="file_content")


def validate_video_file(file) -> None:
    if not _is_fresh_upload(file):
        return
    _check_size(file, settings.COURSE_VIDEO_MAX_BYTES)
    extension = _extension(file.name)
    head = _head(file, 64)
    if extension == "mp4" and head[4:8] == b"ftyp":
        return
    if extension == "webm" and head.startswith(b"\x1a\x45\xdf\xa3"):
        return
    raise ValidationError(_("Upload an MP4 or WebM video."), code="file_type")


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def video_embed_url(url: str) -> str | None:
    """The privacy-friendly embed URL of a YouTube or Vimeo video, or None for any other URL."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    if host in ("www.youtube.com", "youtube.com", "m.youtube.com"):
        video_id = None
        if parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
        elif parts.path.startswith(("/embed/", "/shorts/")):
            video_id = parts.path.split("/")[2]
        if video_id and _YOUTUBE_ID.match(video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif host == "youtu.be":
        video_id = parts.path.lstrip("/")
        if _YOUTUBE_ID.match(video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif host in ("vimeo.com", "www.vimeo.com", "player.vimeo.com"):
        video_id = parts.path.rstrip("/").split("/")[-1]
        if video_id.isdigit():
            return f"https://player.vimeo.com/video/{video_id}"
    return None


def validate_video_url(url: str) -> None:
    if url and video_embed_url(url) is None:
        raise ValidationError(_("Use a YouTube or Vimeo video link."), code="video_provider")
