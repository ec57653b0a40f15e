"""Writes of images: store one (with its renditions), describe it anew, delete it.

An image is shown by the articles it leads. Describing it anew (alt text, caption, credit, the
AI-generated flag) changes their stored page parts, which are rendered again at once, and the
pages and cards that show them are purged.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from articles import changes
from articles.models import Article
from articles.page_parts import render_page_parts
from articles.roles import Actor, Operator, may, may_edit
from images import renditions, validation
from images.models import Image, Rendition

DESCRIPTION_FIELDS = ("alt_text", "caption", "credit", "ai_generated")
# Where image_create stores files: the originals, and the renditions' folders.
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
    """Store the picture in `file` (a Django File, or bytes) with its renditions, described
    for readers; a picture stored before (the same bytes) is that image, described anew."""
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
    stored = Image.objects.select_for_update().filter(digest=inspected.digest).first()
    if stored is not None:
        return image_update(actor=actor, image=stored, **description)
    image = Image(
        digest=inspected.digest, width=inspected.width, height=inspected.height, **description
    )
    image.full_clean(exclude=["file"])
    image.file.name = renditions.store(
        f"originals/{original_name(inspected.digest)}.{inspected.extension}", inspected.content
    )
    image.save()
    image.renditions.bulk_create(renditions.make_renditions(image, inspected))
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
    """Describe `image` anew (None keeps a field), and render again the articles it leads.

    Changing what readers of a live article see is for those who may edit that article.
    """
    if not may(actor, "change", Image):
        raise PermissionDenied("Only editors and writers change images.")
    stored = Image.objects.select_for_update().get(pk=image.pk)
    given = {"alt_text": alt_text, "caption": caption, "credit": credit}
    given["ai_generated"] = ai_generated
    for name, value in given.items():
        if value is not None:
            setattr(image, name, value)
    image.full_clean(exclude=["file"], validate_unique=False)
    if all(getattr(image, name) == getattr(stored, name) for name in DESCRIPTION_FIELDS):
        return image
    led = list(
        Article.objects.select_for_update(of=("self",))
        .select_related("section")
        .filter(lead_image=image)
        .order_by("pk")
    )
    refused = [article for article in led if not may_edit(actor, article)]
    if refused:
        raise PermissionDenied(
            f"This image leads “{refused[0]}”, which readers can see: only editors change it."
        )
    image.save(update_fields=[*DESCRIPTION_FIELDS, "updated_at"])
    _render_again(led, image)
    return image


@transaction.atomic
def image_delete(*, actor: Actor, image: Image) -> None:
    """Delete an image no article shows, with its files (once the deletion commits)."""
    if not may(actor, "delete", Image):
        raise PermissionDenied("Only editors delete images.")
    led = list(Article.objects.filter(lead_image=image).order_by("pk")[:3])
    if led:
        titles = ", ".join(f"“{article}”" for article in led)
        raise ValidationError(f"This image leads {titles}: remove it from those articles first.")
    names = [image.file.name, *(rendition.file.name for rendition in image.renditions.all())]
    image.delete()
    transaction.on_commit(lambda: _delete_files(names))


def _render_again(articles: list[Article], image: Image) -> None:
    """Store the page parts of `articles` (locked) rendered again with `image`, as described
    now, and record what readers will see change."""
    now = timezone.now()
    keys = set()
    for article in articles:
        article.lead_image = image
        article.updated_at = now  # pages show it, and it is their Last-Modified
        parts = render_page_parts(
            article,
            article.references.all(),
            article.tags.all(),
            article.public_changes.all(),
        )
        Article.objects.filter(pk=article.pk).update(updated_at=now, **parts)
        state = changes.ArticleState.of(article, article.tag_ids)
        keys |= changes.article_keys(state, state)
    changes.record(keys)


def original_name(digest: str) -> str:
    """Name the original file of the picture with `digest`: the same for the same picture (a
    rolled-back write leaves a file the next store replaces), and not to be worked out from
    the renditions' names without the secret key, since the original keeps its metadata (the
    place a photo was taken) and public object storage must not give it away."""
    return hmac.new(settings.SECRET_KEY.encode(), digest.encode(), hashlib.sha256).hexdigest()[:32]


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def media_prune(*, actor: Operator, older_than: dt.timedelta, dry_run: bool = False) -> list[str]:
    """Delete the stored image files no image or rendition names (a write that rolled back,
    a dry run of an import, a process killed mid-write) last written more than `older_than`
    ago, and return their names.

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
