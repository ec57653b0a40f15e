"""The pipeline's import: one article of the JSON format, created or updated whole."""

import copy
import dataclasses
import datetime as dt
from enum import StrEnum
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.editorial import gates, recording
from articles.editorial.models import PublicChange, Review, Revision
from articles.editorial.recording import Edit
from articles.importing import ImportProblem, lead_image_content
from articles.models import Article, Section
from articles.roles import PIPELINE, Pipeline
from articles.services.articles import TAG_NEEDS_A_LETTER, Stored, write
from articles.services.lead_images import KEEP, LeadImage
from articles.services.site import section_save
from articles.slugs import has_letters_or_digits, readable_slug
from images import validation
from images.models import Image
from references.models import Reference

ARTICLE_FIELDS = ["title", "dek", "body", "byline", "status", "featured", "published_at", "slug"]
PROVENANCE_FIELDS = [
    "origin",
    "pipeline_version",
    "sources_verified",
    "fact_checked",
    "quality_score",
]
REFERENCE_FIELDS = ["number", "publisher", "title", "url", "accessed_at"]
ONE_DAY = dt.timedelta(days=1)
# The import's names of an image's description → the model's.
LEAD_IMAGE_FIELDS = {"alt": "alt_text", "caption": "caption", "credit": "credit"}


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclasses.dataclass(frozen=True)
class Imported:
    """What the import did to one article, and the gates that hold it in review, if any."""

    outcome: ImportOutcome
    held_gates: list[dict] = dataclasses.field(default_factory=list)
    waits_for_an_editor: bool = False  # an editor sent it back: the new version waits in review
    judged: bool = False  # the gates judged this version (it asked to be published)

    def __str__(self):
        if self.waits_for_an_editor:
            return f"{self.outcome}, held for review: an editor sent it back; it waits for one"
        if not self.held_gates:
            return str(self.outcome)
        return f"{self.outcome}, held for review: {gates.describe(self.held_gates)}"

    @property
    def is_held(self) -> bool:
        return bool(self.held_gates) or self.waits_for_an_editor


def article_import(
    *,
    data: dict,
    actor: Pipeline = PIPELINE,
    via: str = Revision.Via.IMPORT,
    folder: Path | None = None,
    dry_run: bool = False,
) -> Imported:
    """Create or update the article with `data["external_id"]`, with its references, tags and
    lead image.

    `data` has passed the import schema; `actor` is the pipeline, or one of its API clients
    (`via` the API). The whole article is written or nothing is: any problem raises
    ImportProblem naming the field. An article to be published that fails a publication gate
    is stored in review instead (articles/editorial/gates.py). A `lead_image.file` is read
    from `folder` (the JSON file's); without one (the API) only `lead_image.data` is taken.
    A `dry_run` checks everything and writes nothing: its lead image is checked, picture and
    description, but neither stored nor rendered.
    """
    lead_image = _lead_image(data["lead_image"], folder) if data.get("lead_image") else None
    with transaction.atomic():
        stored = Stored.load(Q(external_id=data["external_id"]))
        is_new = stored is None
        article = Article(external_id=data["external_id"]) if is_new else copy.copy(stored.article)
        before = None if is_new else _snapshot(article, stored.references, stored.tag_names)

        _apply_fields(article, data, is_new=is_new)
        article.section = _section(data["section"], actor)
        references = _references(data) if "references" in data else None
        tags = _tags(data) if "tags" in data else None
        edit = _edit(data, stored, via)
        asks = _asks_to_publish(data, stored)
        sent_back = asks and stored is not None and _sent_back(stored.article)
        if sent_back:
            article.status = stored.article.status  # the editor's decision stands
        if before is not None:
            after = _snapshot(
                article,
                stored.references if references is None else references,
                stored.tag_names if tags is None else tags,
            )
            if "lead_image" in data:
                after = (*after[:-1], _wanted_state(lead_image))
            if before == after and not edit.change_kind:
                transaction.set_rollback(True)  # drops a section the lookup may have created
                return Imported(ImportOutcome.UNCHANGED)
        kept = stored.references if stored else []
        # A public change to an article readers can open (a correction, a retraction) is
        # obeyed at once: taking the page down would hide the notice readers must see.
        tells_readers = (
            bool(edit.change_kind) and stored is not None and stored.article.is_readable()
        )
        held = []
        judged = asks and not sent_back and not tells_readers
        if sent_back:
            article.status = Article.Status.IN_REVIEW
        elif not tells_readers:
            held = gates.hold_failing(
                article, kept if references is None else references, asks=asks
            )
        wanted = lead_image if "lead_image" in data else KEEP
        if dry_run and isinstance(wanted, LeadImage):
            wanted = KEEP  # checked above; a dry run stores no file
        try:
            write(
                actor=actor,
                article=article,
                stored=stored,
                tags=tags,
                references=references,
                lead_image=wanted,
                edit=edit,
            )
        except ValidationError as error:
            raise _problem(error) from None
        if held:
            recording.record_held(article, held)
        if dry_run:
            transaction.set_rollback(True)
    return Imported(
        ImportOutcome.CREATED if is_new else ImportOutcome.UPDATED, held, sent_back, judged
    )


def _lead_image(spec: dict, folder: Path | None) -> LeadImage:
    """Return the lead image `spec` gives, its picture and description checked."""
    content = lead_image_content(spec, folder)
    try:
        picture = validation.inspect(content)
    except ValidationError as error:
        field = "lead_image.file" if "file" in spec else "lead_image.data"
        where = f"{spec['file']!r}: " if "file" in spec else ""
        raise ImportProblem(where + " ".join(error.messages), field=field) from None
    description = {
        model_name: spec.get(name, "").strip() for name, model_name in LEAD_IMAGE_FIELDS.items()
    }
    description["ai_generated"] = spec.get("ai_generated", False)
    checked = Image(digest=picture.digest, width=picture.width, height=picture.height)
    for name, value in description.items():
        setattr(checked, name, value)
    try:
        checked.full_clean(exclude=["file"])
    except ValidationError as error:
        raise _problem(error, prefix="lead_image") from None
    return LeadImage(picture=picture, **description)


def _image_state(image: Image | None) -> tuple | None:
    if image is None:
        return None
    return (image.digest, image.alt_text, image.caption, image.credit, image.ai_generated)


def _wanted_state(lead_image: LeadImage | None) -> tuple | None:
    if lead_image is None:
        return None
    return (lead_image.picture.digest, *lead_image.description.values())


def _asks_to_publish(data: dict, stored: Stored | None) -> bool:
    """Tell whether the pipeline asks for this version to be published: it says so, or it
    says nothing of status and the article is published or held by the gates."""
    if "status" in data:
        return data["status"] == Article.Status.PUBLISHED
    return stored is not None and gates.asks_to_publish(stored.article)


def _sent_back(article: Article) -> bool:
    """Tell whether an editor's last decision on the unpublished `article` was to send it back."""
    if article.status == Article.Status.PUBLISHED:
        return False
    last = Review.objects.filter(article_id=article.pk).order_by("-created_at", "-pk").first()
    return last is not None and last.decision == Review.Decision.SENT_BACK


def _edit(data: dict, stored: Stored | None, via: str) -> Edit:
    """The import's record of this version; a `change` one of the article's public entries
    already says is not said again, so that importing a file twice changes nothing."""
    change = data.get("change", {})
    if change and stored is not None:
        said = PublicChange.objects.filter(
            article_id=stored.article.pk, kind=change["kind"], text=change["text"].strip()
        )
        if said.exists():
            change = {}
    return Edit(
        via=via,
        change_kind=change.get("kind", ""),
        change_text=change.get("text", ""),
    )


def _apply_fields(article: Article, data: dict, *, is_new: bool) -> None:
    for name in ARTICLE_FIELDS:
        if name in data and name != "published_at":
            setattr(article, name, data[name])
    if "published_at" in data:
        article.published_at = _parse_datetime(data["published_at"])
    if is_new:
        # The import is the pipeline's: an article that does not say who made it is taken
        # for the pipeline's own, disclosed as such and judged by the provenance gate.
        article.origin = Article.Origin.PIPELINE
    for name, value in data.get("provenance", {}).items():
        setattr(article, name, value)
    if is_new and "slug" not in data:
        article.slug = _free_slug(data["title"])


def _parse_datetime(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ImportProblem(
            f"{value!r} is not an ISO 8601 date and time.", field="published_at"
        ) from None
    if parsed.tzinfo is None:
        raise ImportProblem(
            f"{value!r} has no UTC offset; write e.g. 2026-04-07T09:30:00+00:00.",
            field="published_at",
        )
    if not _showable(parsed):
        raise ImportProblem(
            f"{value!r} is too far in the past or the future to be shown.", field="published_at"
        )
    return parsed


def _showable(moment: dt.datetime) -> bool:
    """Tell whether pages can show `moment`: in UTC and in the site's time zone, with a day
    to spare either side (Python's dates end at the years 1 and 9999)."""
    try:
        for shown in (moment.astimezone(dt.UTC), timezone.localtime(moment)):
            if not dt.datetime.min.replace(tzinfo=shown.tzinfo) + ONE_DAY < shown:
                return False
            if not shown < dt.datetime.max.replace(tzinfo=shown.tzinfo) - ONE_DAY:
                return False
    except OverflowError:
        return False
    return True


def _free_slug(title: str) -> str:
    base = readable_slug(title)[:190].strip("-") or "article"
    slug, suffix = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _section(value: str, actor: Pipeline) -> Section:
    """Find the section by slug, else by name, else create it."""
    name, slug = section_name(value), readable_slug(value)
    matches = Section.objects.filter(
        Q(slug=value) | Q(name__iexact=value) | Q(name__iexact=name) | Q(slug=slug)
    )
    ranked = sorted(
        matches,
        key=lambda section: (
            section.slug != value,
            section.name.lower() not in (value.lower(), name.lower()),
        ),
    )
    if ranked:
        return ranked[0]
    if not slug:
        raise ImportProblem(
            f"{value!r} has no letter or digit to make the section's address from.",
            field="section",
        )
    try:
        return section_save(actor=actor, section=Section(slug=slug, name=name))
    except ValidationError as error:
        raise _problem(error, prefix="section") from None


def section_name(value: str) -> str:
    """Name a section the import creates: a value written as a slug (`climate-policy`) reads
    as "Climate policy"; any other value (`AI Policy`, `Zürich`) is the name as written."""
    if value == readable_slug(value):
        words = value.replace("-", " ").replace("_", " ")
        return words[:1].upper() + words[1:]
    return value


def _references(data: dict) -> list[Reference]:
    references, seen = [], set()
    for index, item in enumerate(data["references"]):
        if item["number"] in seen:
            raise ImportProblem(
                f"number {item['number']} is used twice.", field=f"references[{index}].number"
            )
        seen.add(item["number"])
        accessed_at = item.get("accessed_at")
        try:
            accessed_on = dt.date.fromisoformat(accessed_at) if accessed_at else None
        except ValueError:
            raise ImportProblem(
                f"{accessed_at!r} is not a date (YYYY-MM-DD).",
                field=f"references[{index}].accessed_at",
            ) from None
        reference = Reference(
            number=item["number"],
            publisher=item["publisher"],
            title=item["title"],
            url=item["url"],
            accessed_at=accessed_on,
        )
        try:
            reference.full_clean(exclude=["article"], validate_constraints=False)
        except ValidationError as error:
            raise _problem(error, prefix=f"references[{index}]") from None
        references.append(reference)
    return sorted(references, key=lambda reference: reference.number)


def _tags(data: dict) -> list[str]:
    for index, name in enumerate(data["tags"]):
        if not has_letters_or_digits(name):
            raise ImportProblem(TAG_NEEDS_A_LETTER.format(name=name), field=f"tags[{index}]")
    return data["tags"]


def _problem(error: ValidationError, prefix: str = "") -> ImportProblem:
    field, messages = next(iter(error.message_dict.items()))
    codes = [item.code for item in getattr(error, "error_dict", {}).get(field, [])]
    if field == "__all__":
        field = ""
    elif field in ("change_kind", "change_text"):
        field = "change"
    elif field.startswith("lead_image."):  # a refusal of the write's lead image
        prefix, field = "lead_image", field.removeprefix("lead_image.")
    if prefix == "lead_image":
        field = {"alt_text": "alt"}.get(field, field)
    path = ".".join(part for part in (prefix, field) if part)
    return ImportProblem(" ".join(messages), field=path or "article", code=next(iter(codes), ""))


def _snapshot(article: Article, references: list[Reference], tags: list[str]) -> tuple:
    # An article the gates hold is, as far as the pipeline knows, one it asked to publish.
    asked = {"status": Article.Status.PUBLISHED} if gates.asks_to_publish(article) else {}
    fields = tuple(
        asked.get(name, getattr(article, name)) for name in ARTICLE_FIELDS + PROVENANCE_FIELDS
    )
    reference_rows = tuple(
        tuple(getattr(reference, name) for name in REFERENCE_FIELDS) for reference in references
    )
    tag_names = frozenset(t.lower() for t in tags)
    return (fields, article.section_id, reference_rows, tag_names, _image_state(article.lead_image))
