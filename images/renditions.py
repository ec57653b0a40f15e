"""Make an image's renditions with Pillow, once, when it is stored: a few widths (never wider
than the original), each in WebP and in JPEG (PNG for a picture with transparency), turned as
its EXIF orientation says and without its metadata (camera, place, time).

A rendition's file name carries the image's digest and its width, and a name is never given to
other bytes: browsers and CDNs may keep them for ever (images.views).
"""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageMath, ImageOps

from images.models import Image, Rendition
from images.validation import Inspected

WIDTHS = (480, 800, 1200, 1600)
# Pillow's modes for 16-bit greyscale ("I" too: a PNG's greys may be read as 32-bit integers).
SIXTEEN_BIT_GREY = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
EXTENSIONS = {
    Rendition.Format.WEBP: "webp",
    Rendition.Format.JPEG: "jpg",
    Rendition.Format.PNG: "png",
}
SAVE_OPTIONS = {
    Rendition.Format.WEBP: {"format": "WEBP", "quality": 80, "method": 4},
    Rendition.Format.JPEG: {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
    Rendition.Format.PNG: {"format": "PNG", "optimize": True},
}


def widths_for(original_width: int) -> list[int]:
    """The rendition widths of a picture `original_width` wide: each of WIDTHS it is wider
    than, and its own width up to the widest."""
    largest = min(original_width, WIDTHS[-1])
    return [width for width in WIDTHS if width < largest] + [largest]


def folder(digest: str) -> str:
    return f"images/{digest[:2]}/{digest[:32]}"


def make_renditions(image: Image, inspected: Inspected) -> list[Rendition]:
    """Make, store and return (unsaved) the renditions of `image`, from its upload."""
    with PILImage.open(io.BytesIO(inspected.content)) as source:
        picture = eight_bit(ImageOps.exif_transpose(source))
    picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    transparent = picture.mode == "RGBA" and picture.getchannel("A").getextrema()[0] < 255
    if not transparent:
        picture = picture.convert("RGB")
    fallback = Rendition.Format.PNG if transparent else Rendition.Format.JPEG
    renditions = []
    for width in widths_for(picture.width):
        height = max(1, round(picture.height * width / picture.width))
        resized = (
            picture
            if width == picture.width
            else picture.resize((width, height), PILImage.Resampling.LANCZOS)
        )
        for rendition_format in (Rendition.Format.WEBP, fallback):
            buffer = io.BytesIO()
            resized.save(buffer, **SAVE_OPTIONS[rendition_format])  # no exif=, no metadata
            name = f"{folder(image.digest)}/{width}w.{EXTENSIONS[rendition_format]}"
            renditions.append(
                Rendition(
                    image=image,
                    format=rendition_format,
                    width=width,
                    height=height,
                    file=store(name, buffer.getvalue()),
                )
            )
    return renditions


def eight_bit(picture: PILImage.Image) -> PILImage.Image:
    """Return a 16-bit greyscale picture (a PNG's) as 8-bit greys, with its transparent grey
    as transparency; Pillow's own conversion would clip every grey to black or white."""
    if picture.mode not in SIXTEEN_BIT_GREY:
        return picture
    wide = picture.convert("I")
    grey = wide.point(lambda value: value / 256).convert("L")
    transparent = picture.info.get("transparency")
    if not isinstance(transparent, int):
        return grey
    alpha = ImageMath.lambda_eval(lambda pixel: (pixel["value"] != transparent) * 255, value=wide)
    return PILImage.merge("LA", (grey, alpha.convert("L")))


def store(name: str, content: bytes) -> str:
    """Store `content` as `name` exactly, replacing what a rolled-back write left there."""
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content))
    if stored != name:  # another writer stored the same picture at the same moment
        default_storage.delete(stored)
    return name
