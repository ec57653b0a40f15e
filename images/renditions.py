"""Make an image's renditions with Pillow, once, when it is stored: a few widths (never wider
than the original), each in WebP and in JPEG (PNG for a picture with transparency), turned as
its EXIF orientation says, in sRGB (from the colour profile it embeds) and without its metadata
(camera, place, time).

A rendition's file name carries the image's digest and its width, and a name is never given to
other bytes: browsers and CDNs may keep them for ever (images.views).
"""

import functools
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageCms, ImageMath, ImageOps

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
        picture = in_srgb(picture, source.info.get("icc_profile"))
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


def in_srgb(picture: PILImage.Image, icc_profile: bytes | None) -> PILImage.Image:
    """Return `picture` converted to sRGB from the colour profile it embeds (a Display P3
    photo, a CMYK print file), transparency kept, and without the profile: browsers take an
    untagged picture for sRGB. A profile that cannot be read, or does not fit the picture's
    colours, is ignored and the picture converted plainly."""
    picture.info.pop("icc_profile", None)  # PNG would embed it again
    if not icc_profile:
        return picture
    if picture.mode in ("P", "PA"):  # the palette's colours are in the profile's space
        picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    colours, alpha = picture, None
    if picture.mode == "LA":
        colours, alpha = picture.convert("L"), picture.getchannel("A")
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            colours, profile, srgb(), outputMode="RGBA" if colours.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture
    converted.info.pop("icc_profile", None)
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


@functools.cache
def srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def store(name: str, content: bytes) -> str:
    """Store `content` as `name` exactly, replacing what a rolled-back write left there."""
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content))
    if stored != name:  # another writer stored the same picture at the same moment
        default_storage.delete(stored)
    return name
