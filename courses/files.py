"""Serving private course files."""

from courses.models import Attachment, Lesson
from lms.files import private_file_response, private_media_response

_VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}  # what validate_video_file accepts


def attachment_response(attachment: Attachment):
    """Callers check access first (enrollments.access.can_read_lesson). An image placed in
    the lesson's text (pasted in the admin) is shown inline with its checked type; every
    other file is a download."""
    extension = attachment.file.name.rsplit(".", 1)[-1].lower()
    if attachment.is_inline and extension in INLINE_IMAGE_TYPES:
        return private_file_response(
            attachment.file, filename=attachment.download_name, content_type=INLINE_IMAGE_TYPES[extension], inline=True
        )
    return private_file_response(attachment.file, filename=attachment.download_name)


INLINE_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def lesson_video_response(request, lesson: Lesson):
    """The lesson's uploaded video, to play (ranges from local disk; Azure redirects).
    Callers check access first (enrollments.access.can_read_lesson)."""
    extension = lesson.video_file.name.rsplit(".", 1)[-1].lower()
    return private_media_response(
        request, lesson.video_file, content_type=_VIDEO_TYPES.get(extension, "application/octet-stream")
    )
