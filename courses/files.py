"""Serving private course files."""

from courses.models import Attachment
from lms.files import private_file_response


def attachment_response(attachment: Attachment):
    """Callers check access first (enrollments.access.can_read_lesson)."""
    return private_file_response(attachment.file, filename=attachment.download_name)
