"""Writes of images: store one (sharing the files of the same picture), describe or delete one
no article shows.

An image an article shows is that article's: its description changes only through the
article's writes (articles/services), which check the rights to the article, record a
revision, render its page again and announce the change. Images of the same picture (the same
digest) share its stored files, which are deleted with the last image of it.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from articles.roles import Actor, Operator, may
from images import renditions, validation
from images.models import Image, Rendition

DESCRIPTION_FIELDS = ("alt_text", "caption", "credit", "ai_generated")
# Where new_image stores files: the originals, and the renditions' folders.
STORED_FOLDERS = ("originals", "images")


@transaction.atomic
def image_create(
    *,
    actor: Actor,
    file,
    alt_text: str,
    caption: str = "",
    credit: str = "",
    ai_generated: bool = False,
) -> Image:
    """Add the picture in `file` (a Django File, or bytes) to the image library, described for
    readers; a picture stored before (the same bytes) shares its stored files."""
    if not may(actor, "add", Image):
        raise PermissionDenied("Only editors and writers add images.")
    content = file if isinstance(file, bytes) else validation.read_upload(file)
    try:
        inspected = validation.inspect(content)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    description = {
        "alt_text": alt_text,
        "caption": caption,
        "credit": credit,
        "ai_generated": ai_generated,
    }
    return new_image(description=description, picture=inspected)


def new_image(
    *, description: dict, picture: validation.Inspected | None = None, digest: str = ""
) -> Image:
    """Save and return a new image described by `description`, of `picture` (checked bytes)
    or of the stored picture with `digest`: with the files of an image of the same picture,
    or, if there is none, with `picture` stored and its renditions made.

    The services that call it (image_create, the article writes) check the actor's rights.
    """
    digest = picture.digest if picture is not None else digest
    # Locked, so that it is not deleted with its files while this image takes them.
    same = Image.objects.select_for_update().filter(digest=digest).order_by("pk").first()
    if same is None and picture is None:
        raise ValidationError(
            "The picture is no longer stored (the image library deleted it): upload it again.",
            code="picture_gone",
        )
    image = Image(digest=digest, **description)
    if same is not None:
        image.width, image.height = same.width, same.height
    else:
        image.width, image.height = picture.width, picture.height
    image.full_clean(exclude=["file"])
    if same is not None:
        image.file.name = same.file.name
        image.save()
        image.renditions.bulk_create(
            Rendition(
                image=image,
                format=rendition.format,
                width=rendition.width,
                height=rendition.height,
                file=rendition.file.name,
            )
            for rendition in same.renditions.all()
        )
        return image
    image.file.name = renditions.store(
        f"originals/{original_name(digest)}.{picture.extension}", picture.content
    )
    image.save()
    image.renditions.bulk_create(renditions.make_renditions(image, picture))
    return image


@transaction.atomic
def image_update(
    *,
    actor: Actor,
    image: Image,
    alt_text: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    ai_generated: bool | None = None,
) -> Image:
    """Describe anew (None keeps a field) `image`, which no article shows: an article's image
    is described through the article's writes, where the change is checked, recorded and
    announced."""
    if not may(actor, "change", Image):
        raise PermissionDenied("Only editors and writers change images.")
    stored = Image.objects.select_for_update().get(pk=image.pk)
    given = {"alt_text": alt_text, "caption": caption, "credit": credit}
    given["ai_generated"] = ai_generated
    for name, value in given.items():
        if value is not None:
            setattr(image, name, value)
    image.full_clean(exclude=["file"])
    if all(getattr(image, name) == getattr(stored, name) for name in DESCRIPTION_FIELDS):
        return image
    shown_by = Article.objects.filter(lead_image=image).first()
    if shown_by is not None:
        raise ValidationError(
            f"This image leads “{shown_by}”: describe it in that article, where the change is "
            "recorded in its history and its pages follow."
        )
    image.save(update_fields=[*DESCRIPTION_FIELDS, "updated_at"])
    return image


@transaction.atomic
def image_delete(*, actor: Actor, image: Image) -> None:
    """Delete an image no article shows, and its files (once the deletion commits) unless
    another image of the same picture shows them."""
    if not may(actor, "delete", Image):
        raise PermissionDenied("Only editors delete images.")
    shown_by = Article.objects.filter(lead_image=image).first()
    if shown_by is not None:
        raise ValidationError(f"This image leads “{shown_by}”: remove it from that article first.")
    digest = image.digest
    names = [image.file.name, *(rendition.file.name for rendition in image.renditions.all())]
    image.delete()
    transaction.on_commit(lambda: _delete_unused_files(digest, names))


def _delete_unused_files(digest: str, names: list[str]) -> None:
    if Image.objects.filter(digest=digest).exists():
        return  # another image of the same picture shows them
    for name in names:
        default_storage.delete(name)


def original_name(digest: str) -> str:
    """Name the original file of the picture with `digest`: the same for the same picture (a
    rolled-back write leaves a file the next store replaces), and not to be worked out from
    the renditions' names without the secret key, since the original keeps its metadata (the
    place a photo was taken) and public object storage must not give it away."""
    return hmac.new(settings.SECRET_KEY.encode(), digest.encode(), hashlib.sha256).hexdigest()[:32]


def media_prune(*, actor: Operator, older_than: dt.timedelta, dry_run: bool = False) -> list[str]:
    """Delete the stored image files no image or rendition names (a write that rolled back,
    a process killed mid-write) last written more than `older_than` ago, and return their
    names.

    Files are stored before their rows commit, so a file younger than that may belong to a
    write still under way; a file stored again since it was listed is kept.
    """
    if not isinstance(actor, Operator):
        raise PermissionDenied("Only the operator prunes stored files.")
    cutoff = timezone.now() - older_than
    named = {*Image.objects.values_list("file", flat=True)}
    named |= {*Rendition.objects.values_list("file", flat=True)}
    orphans = [
        name
        for folder in STORED_FOLDERS
        for name in _files_under(folder)
        if name not in named and default_storage.get_modified_time(name) < cutoff
    ]
    pruned = []
    for name in orphans:
        if Image.objects.filter(file=name).exists() or Rendition.objects.filter(file=name).exists():
            continue  # stored and committed since the listing
        if default_storage.get_modified_time(name) >= cutoff:
            continue  # stored again since the listing, by a write that may yet commit
        if not dry_run:
            default_storage.delete(name)
        pruned.append(name)
    return pruned


def _files_under(folder: str):
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for inner in folders:
        yield from _files_under(f"{folder}/{inner}")
