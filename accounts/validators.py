"""Upload checks for profile images: the content decides, not the file name."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_PIXELS = 4096 * 4096
AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def avatar_format(file) -> str:
    """Return the image's real format (JPEG, PNG or WEBP), or raise ValidationError."""
    if file.size > AVATAR_MAX_BYTES:
        raise ValidationError(_("The image is larger than 2 MB."), code="file_too_large")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            if width * height > AVATAR_MAX_PIXELS:
                raise ValidationError(_("The image is larger than 4096 by 4096 pixels."), code="image_too_large")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("Upload a valid JPEG, PNG or WebP image."), code="invalid_image") from exc
    finally:
        file.seek(position)
    if fmt not in AVATAR_FORMATS:
        raise ValidationError(_("Upload a valid JPEG, PNG or WebP image."), code="invalid_image")
    return fmt


def validate_avatar(file) -> None:
    # Files already stored were checked when they were uploaded.
    if getattr(file, "_committed", False) and not hasattr(file, "content_type"):
        return
    avatar_format(file)
