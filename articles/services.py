"""Writes of articles: importing from the pipeline, and moving articles between statuses."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.importing import ImportProblem
from articles.models import Article, Section, check_citations
from articles.roles import LIVE_STATUSES, may_edit, may_publish
from articles.slugs import has_letters_or_digits, readable_slug
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
TAG_NEEDS_A_LETTER = "{name!r} has no letter or digit: a tag needs one to have an address."


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def article_import(*, data: dict) -> ImportOutcome:
    """Create or update the article with `data["external_id"]`, with its references and tags.

    `data` has passed the import schema. The whole article is written or nothing is: any
    problem raises ImportProblem naming the field.
    """
    with transaction.atomic():
        article = (
            Article.objects.select_for_update().filter(external_id=data["external_id"]).first()
        )
        is_new = article is None
        if is_new:
            article = Article(external_id=data["external_id"])
        before = _snapshot(article) if not is_new else None

        _apply_fields(article, data, is_new=is_new)
        article.section = _section(data["section"])
        references = _references(data, article, is_new=is_new)
        tags = _tags(data, article, is_new=is_new)

        _validate(article, references)
        after = _snapshot_values(article, references, tags)
        if before == after:
            transaction.set_rollback(True)  # drops a section the lookup may have created
            return ImportOutcome.UNCHANGED

        article.save()
        if "references" in data:  # given references replace the article's whole list
            article.references.all().delete()
            for reference in references:
                reference.article = article
            Reference.objects.bulk_create(references)
        if "tags" in data:
            article.tags.set(tags, clear=True)
        article.rerender()
    return ImportOutcome.CREATED if is_new else ImportOutcome.UPDATED


def _apply_fields(article: Article, data: dict, *, is_new: bool) -> None:
    for name in ARTICLE_FIELDS:
        if name in data and name != "published_at":
            setattr(article, name, data[name])
    if "published_at" in data:
        article.published_at = _parse_datetime(data["published_at"])
    for name, value in data.get("provenance", {}).items():
        setattr(article, name, value)
    if is_new and "slug" not in data:
        article.slug = _free_slug(data["title"])
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()


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
    return parsed


def _free_slug(title: str) -> str:
    base = readable_slug(title)[:190].strip("-") or "article"
    slug, suffix = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _section(value: str) -> Section:
    name = section_name(value)
    section = (
        Section.objects.filter(slug=value).first()
        or Section.objects.filter(Q(name__iexact=value) | Q(name__iexact=name)).first()
    )
    if section is None:
        slug = readable_slug(value)
        if not slug:
            raise ImportProblem(
                f"{value!r} has no letter or digit to make the section's address from.",
                field="section",
            )
        section, _ = Section.objects.get_or_create(slug=slug, defaults={"name": name})
    return section


def section_name(value: str) -> str:
    """Name a section the import creates: a value written as a slug (`climate-policy`) reads
    as "Climate policy"; any other value (`AI Policy`, `Zürich`) is the name as written."""
    if value == readable_slug(value):
        words = value.replace("-", " ").replace("_", " ")
        return words[:1].upper() + words[1:]
    return value


def _references(data: dict, article: Article, *, is_new: bool) -> list[Reference]:
    if "references" not in data:
        return [] if is_new else list(article.references.all())
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


def _tags(data: dict, article: Article, *, is_new: bool) -> list[str]:
    if "tags" in data:
        for index, name in enumerate(data["tags"]):
            if not has_letters_or_digits(name):
                raise ImportProblem(TAG_NEEDS_A_LETTER.format(name=name), field=f"tags[{index}]")
        return data["tags"]
    return [] if is_new else list(article.tags.names())


def _validate(article: Article, references: list[Reference]) -> None:
    try:
        article.full_clean()
    except ValidationError as error:
        raise _problem(error) from None
    try:
        check_citations(article.body, [reference.number for reference in references])
    except ValidationError as error:
        raise ImportProblem(error.messages[0], field="body") from None


def _problem(error: ValidationError, prefix: str = "") -> ImportProblem:
    field, messages = next(iter(error.message_dict.items()))
    if field == "__all__":
        field = ""
    path = ".".join(part for part in (prefix, field) if part)
    return ImportProblem(" ".join(messages), field=path or "article")


def _snapshot(article: Article) -> tuple:
    return _snapshot_values(article, list(article.references.all()), list(article.tags.names()))


def _snapshot_values(article: Article, references: list[Reference], tags: list[str]) -> tuple:
    fields = tuple(getattr(article, name) for name in ARTICLE_FIELDS + PROVENANCE_FIELDS)
    reference_rows = tuple(
        tuple(getattr(reference, name) for name in REFERENCE_FIELDS) for reference in references
    )
    return (fields, article.section_id, reference_rows, frozenset(t.lower() for t in tags))


@transaction.atomic
def article_set_status(*, actor, article: Article, status: Article.Status) -> Article | None:
    """Move the article to `status` for `actor`; return it as saved, or None if it was so already.

    Writers move only drafts and articles in review, and never to a status readers can see;
    editors move any article. Publishing without a date publishes now. Raises PermissionDenied
    saying why when the actor may not.
    """
    # Judge the article as it is now, not as the caller read it: an editor may have just
    # published it, and a writer must not take it offline.
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not may_edit(actor, article):
        raise PermissionDenied(
            f"“{article}” is {article.get_status_display().lower()}: only editors change "
            "articles readers can see."
        )
    if status in LIVE_STATUSES and not may_publish(actor):
        raise PermissionDenied(f"Only editors can publish or archive “{article}”.")
    if article.status == status:
        return None
    article.status = status
    if status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    return article
