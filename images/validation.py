"""Check an upload before anything is stored: a real JPEG, PNG, WebP or GIF, not too large.

Pillow reads the format from the bytes, never the file's name, and the size in pixels from the
header before decoding anything, so a small file that would decode to gigabytes (a
"decompression bomb") is refused unread. The whole picture is then decoded once, which finds a
damaged or truncated file now rather than when renditions are made.
"""

import dataclasses
import hashlib
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

# Pillow's format names → the extension the stored file gets.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ACCEPTED = "JPEG, PNG, WebP or GIF"
# EXIF orientations that turn the picture a quarter: its width and height swap when shown.
QUARTER_TURNS = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112
MAX_TALLNESS = 10


@dataclasses.dataclass(frozen=True)
class Inspected:
    """An accepted upload: its bytes, their digest, its format and its size as shown."""

    content: bytes = dataclasses.field(repr=False)
    digest: str
    format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.format]


def read_upload(file) -> bytes:
    """Return the bytes of an uploaded file (a Django File), refusing one too large unread."""
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise too_large(size)
    file.seek(0)
    content = file.read(settings.IMAGE_MAX_BYTES + 1)
    if len(content) > settings.IMAGE_MAX_BYTES:
        raise too_large(len(content))
    return content


def too_large(size: int) -> ValidationError:
    return ValidationError(
        f"The file is {_megabytes(size)}; at most {_megabytes(settings.IMAGE_MAX_BYTES)} is "
        "accepted.",
        code="too_large",
    )


def inspect(content: bytes) -> Inspected:
    """Return `content` as an accepted picture, or raise a ValidationError saying why not."""
    if not content:
        raise ValidationError("The file is empty.", code="empty")
    if len(content) > settings.IMAGE_MAX_BYTES:
        raise too_large(len(content))
    if _looks_like_svg(content):
        raise ValidationError(
            f"SVG images are not accepted (they can carry scripts): upload a {ACCEPTED} image.",
            code="svg",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(content), formats=list(ACCEPTED_FORMATS)) as picture:
                image_format, (width, height) = picture.format, picture.size
                _check_pixels(width, height)
                if picture.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS:
                    width, height = height, width
                _check_shape(width, height)
                picture.load()
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise ValidationError(f"The file is not a {ACCEPTED} image.", code="not_an_image") from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise ValidationError(
            "The image is damaged or incomplete: export it again.", code="damaged"
        ) from None
    return Inspected(
        content=content,
        digest=hashlib.sha256(content).hexdigest(),
        format=image_format,
        width=width,
        height=height,
    )


def _check_pixels(width: int, height: int) -> None:
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width, height)


def _check_shape(width: int, height: int) -> None:
    # WebP, which every picture is offered in, holds at most 16,383 pixels a side: a picture
    # at most MAX_TALLNESS times as tall as wide fits at every rendition width (1600 at most).
    if height > MAX_TALLNESS * width:
        raise ValidationError(
            f"The image is too tall for its width ({width} × {height}): at most "
            f"{MAX_TALLNESS} times as tall as it is wide is accepted.",
            code="too_tall",
        )


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    size = f" ({width} × {height})" if width else ""
    return ValidationError(
        f"The image has too many pixels{size}: at most "
        f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g} million are accepted.",
        code="too_many_pixels",
    )


def _looks_like_svg(content: bytes) -> bool:
    start = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<") and b"<svg" in start


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
