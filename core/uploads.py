"""Uploaded photos are judged by their content, not their name: Pillow must
recognise a JPEG/PNG/WebP/GIF, within the size limit. They get a random name
and are only ever served as images."""

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}
Image.MAX_IMAGE_PIXELS = 50_000_000


def _limit_mb() -> str:
    return f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):.1f}".removesuffix(".0")


class CheckedImage:
    def __init__(self, content: bytes, fmt: str, width: int, height: int, original_name: str):
        self.content = content
        self.content_type, self.ext = ALLOWED[fmt]
        self.width, self.height = width, height
        self.original_name = original_name[:200]

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{self.ext}")


def check_images(files) -> list[CheckedImage]:
    """Validate every file before anything is saved, so a bad one saves nothing."""
    files = [f for f in (files or []) if f]
    if len(files) > settings.UPLOAD_MAX_FILES:
        raise ValidationFailed(_("At most %(n)d photos may be attached.") % {"n": settings.UPLOAD_MAX_FILES}, code="too_many_files")
    checked = []
    for f in files:
        name = getattr(f, "name", "photo") or "photo"
        size = getattr(f, "size", None)
        if size is not None and size > settings.UPLOAD_MAX_BYTES:
            raise ValidationFailed(
                _("Photo “%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": _limit_mb()},
                code="file_too_large")
        data = f.read()
        if len(data) > settings.UPLOAD_MAX_BYTES:
            raise ValidationFailed(
                _("Photo “%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": _limit_mb()},
                code="file_too_large")
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ValidationFailed(_("“%(name)s” is not a picture we can accept (JPEG, PNG, WebP or GIF).") % {"name": name},
                                   code="not_an_image")
        if fmt not in ALLOWED:
            raise ValidationFailed(_("“%(name)s” is not a picture we can accept (JPEG, PNG, WebP or GIF).") % {"name": name},
                                   code="not_an_image")
        checked.append(CheckedImage(data, fmt, width, height, name))
    return checked
