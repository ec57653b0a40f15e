"""The lead image an article write leaves the article with: kept, removed, described anew or
a new picture, and always one that no other article shows.

An article's lead image is its own `Image` row: describing it anew changes that row inside the
article's write (`write`, articles/services/articles.py), so the change is checked against the
rights to the article, recorded in its revision and announced like any other edit. A picture
other images already show is not stored again: the new row shares their files.
"""

import dataclasses
import enum

from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import Article
from articles.roles import Actor, may
from images.models import Image
from images.services import DESCRIPTION_FIELDS, new_image
from images.validation import Inspected


class Keep(enum.Enum):
    KEEP = "keep"


# The lead image the article's `lead_image` field names: the one it has, unless the caller set
# another (an image of the library).
KEEP = Keep.KEEP


@dataclasses.dataclass(frozen=True)
class LeadImage:
    """A lead image as a write gives it: its description, and its picture: new bytes
    (`picture`, checked), a stored picture (`digest`, as a revision records it), or neither
    for the picture the article shows now."""

    alt_text: str
    caption: str = ""
    credit: str = ""
    ai_generated: bool = False
    picture: Inspected | None = None
    digest: str = ""

    @property
    def description(self) -> dict:
        return {name: getattr(self, name) for name in DESCRIPTION_FIELDS}


def settle(
    actor: Actor, article: Article, stored_image_id: int | None, wanted: LeadImage | None | Keep
) -> None:
    """Give `article`, being written by `actor` (who may write it), the lead image `wanted`
    says, saving a new or newly described image now, inside the write's transaction;
    `stored_image_id` is the image it has before the write."""
    if wanted is KEEP:
        _keep(actor, article, stored_image_id)
    elif wanted is None:
        article.lead_image = None
    else:
        article.lead_image = _described(actor, wanted, stored_image_id)


def _keep(actor: Actor, article: Article, stored_image_id: int | None) -> None:
    given = article.lead_image_id
    if given is None or given == stored_image_id:
        return
    image = Image.objects.select_for_update().filter(pk=given).first()
    if image is None:
        raise ValidationError({"lead_image": "That image no longer exists."})
    shown_elsewhere = Article.objects.filter(lead_image=image).exclude(pk=article.pk).exists()
    if shown_elsewhere:  # the same picture, as this article's own
        image = _new(actor, description=_description(image), digest=image.digest)
    article.lead_image = image


def _described(actor: Actor, wanted: LeadImage, stored_image_id: int | None) -> Image:
    current = None
    if stored_image_id is not None:
        current = Image.objects.select_for_update().get(pk=stored_image_id)
    if wanted.picture is not None:
        digest = wanted.picture.digest
    else:
        digest = wanted.digest or (current.digest if current else "")
    if not digest:
        raise ValidationError(
            {"lead_image": "The article has no picture to describe: give one with its alt text."}
        )
    if current is None or current.digest != digest:
        return _new(actor, description=wanted.description, picture=wanted.picture, digest=digest)
    was = _description(current)
    for name, value in wanted.description.items():
        setattr(current, name, value)
    try:
        current.full_clean(exclude=["file"])
    except ValidationError as error:
        raise _of_the_lead_image(error) from None
    if _description(current) != was:
        current.save(update_fields=[*DESCRIPTION_FIELDS, "updated_at"])
    return current


def _new(
    actor: Actor, *, description: dict, picture: Inspected | None = None, digest: str = ""
) -> Image:
    if not may(actor, "add", Image):
        raise PermissionDenied("Only editors and writers add images.")
    try:
        return new_image(description=description, picture=picture, digest=digest)
    except ValidationError as error:
        raise _of_the_lead_image(error) from None


def _description(image: Image) -> dict:
    return {name: getattr(image, name) for name in DESCRIPTION_FIELDS}


def _of_the_lead_image(error: ValidationError) -> ValidationError:
    """Name the fields of an image's refusal as the lead image's (`lead_image.alt_text`)."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"lead_image": error.messages})
    return ValidationError(
        {
            f"lead_image.{name}" if name != "__all__" else "lead_image": errors
            for name, errors in error.error_dict.items()
        }
    )
