"""Pictures that lead articles, each with its renditions: the sizes and formats pages offer.

An image is one article's use of a picture: its description (alt text, caption, credit, the
AI-generated flag) is that article's, changed only by the article's writes. Images of the same
file (the same digest) share its stored files: the original, kept but never linked, and the
renditions readers get, made once when the file is first stored (images/renditions.py).
"""

import dataclasses
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

# The rendition whose width pages use where one picture must do (an <img> without srcset
# support), and the one shared on social sites and in JSON-LD (they ask for 1200 wide).
FALLBACK_WIDTH = 800
SHARE_WIDTH = 1200


class Image(models.Model):
    """A picture as one article shows it (or as the image library keeps it for none)."""

    file = models.FileField(
        editable=False, max_length=200, help_text="The file as uploaded; never shown to readers."
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        help_text="What the picture shows, for readers who cannot see it (screen readers, "
        "images turned off). Required; say what matters for the article, not “image of”.",
    )
    caption = models.CharField(
        max_length=500, blank=True, help_text="Shown under the picture on the article page."
    )
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who made it, as readers see it: “Photo: Jane Doe / Agency”.",
    )
    ai_generated = models.BooleanField(
        "AI-generated",
        default=False,
        help_text="Made by a generative model. Readers see “AI-generated image”, and search "
        "engines are told so.",
    )
    width = models.PositiveIntegerField(editable=False, help_text="In pixels, as shown.")
    height = models.PositiveIntegerField(editable=False, help_text="In pixels, as shown.")
    digest = models.CharField(
        max_length=64,
        editable=False,
        help_text="SHA-256 of the file: images of the same file share its stored files.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="image_created_idx"),
            models.Index(fields=["digest"], name="image_digest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="image_alt_text_not_blank"),
        ]

    def __str__(self):
        return self.alt_text if len(self.alt_text) <= 60 else self.alt_text[:59] + "…"

    def clean(self):
        self.alt_text = self.alt_text.strip()
        self.caption = self.caption.strip()
        self.credit = self.credit.strip()
        if not self.alt_text:
            raise ValidationError(
                {"alt_text": "Describe the picture for readers who cannot see it."},
                code="blank_alt_text",
            )

    @cached_property
    def picture(self) -> "Picture":
        """What <picture> markup needs, from the renditions (prefetch them for lists)."""
        return Picture.of(list(self.renditions.all()))


class Rendition(models.Model):
    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    format = models.CharField(max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(max_length=200)

    class Meta:
        ordering = ["image", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "format", "width"], name="rendition_one_per_format_and_width"
            )
        ]

    def __str__(self):
        return f"{self.image} ({self.get_format_display()}, {self.width} wide)"

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"


def _nearest(renditions: list[Rendition], width: int) -> Rendition:
    """The narrowest rendition at least `width` wide, else the widest."""
    wide_enough = [rendition for rendition in renditions if rendition.width >= width]
    return wide_enough[0] if wide_enough else renditions[-1]


@dataclasses.dataclass(frozen=True)
class Picture:
    """An image's renditions as pages use them: WebP for browsers that take it, the fallback
    format (JPEG, or PNG for a picture with transparency) for the rest."""

    webp: list[Rendition]
    fallback: list[Rendition]

    @classmethod
    def of(cls, renditions: list[Rendition]) -> "Picture":
        renditions = sorted(renditions, key=lambda rendition: rendition.width)
        webp = [r for r in renditions if r.format == Rendition.Format.WEBP]
        return cls(webp, [r for r in renditions if r.format != Rendition.Format.WEBP])

    @property
    def webp_srcset(self) -> str:
        return _srcset(self.webp)

    @property
    def fallback_srcset(self) -> str:
        return _srcset(self.fallback)

    @property
    def src(self) -> Rendition:
        return _nearest(self.fallback, FALLBACK_WIDTH)

    @property
    def share(self) -> Rendition:
        return _nearest(self.fallback, SHARE_WIDTH)


def _srcset(renditions: list[Rendition]) -> str:
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)
