import io

import pytest
from PIL import Image as PILImage

from articles.roles import PIPELINE
from images.services import image_create


def picture_bytes(
    width=2000,
    height=1000,
    *,
    image_format="JPEG",
    mode="RGB",
    orientation=None,
    colour=(200, 80, 40),
    gps=False,
) -> bytes:
    """A picture made on the spot, in `image_format`, with EXIF `orientation` if given."""
    if mode == "RGBA":
        colour = (*colour[:3], 128)
    picture = PILImage.new(mode, (width, height), colour)
    # A second colour in one corner, so a turned picture can be told apart.
    picture.paste(
        (10, 10, 10) if mode != "RGBA" else (10, 10, 10, 255), (0, 0, width // 4, height // 4)
    )
    exif = PILImage.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "Camera Maker"
        exif[0x8825] = {2: (48.0, 51.0, 24.0), 1: "N"}
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()} if (orientation or gps) else {}
    picture.save(buffer, format=image_format, **options)
    return buffer.getvalue()


@pytest.fixture
def make_image(db):
    def make(content=None, **description):
        fields = {"alt_text": "A red field with a dark corner."} | description
        return image_create(actor=PIPELINE, file=content or picture_bytes(), **fields)

    return make
