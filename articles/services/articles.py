"""Writes of articles: create, update (fields, tags, references and lead image together),
status, delete.

Every write runs `write`: check the actor's rights on the stored article, validate, render
once with the references and tags in hand, store the article, its references and its tags, and
record the content keys readers will see change.
"""

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Value
from django.utils import timezone
from taggit.models import Tag

from articles import changes, related
from articles.editorial import recording, similarity
from articles.editorial.models import Review
from articles.editorial.recording import SILENT, Edit
from articles.models import LIVE_STATUSES, SEARCH_CONFIG, Article, TaggedArticle, check_citations
from articles.page_parts import render_page_parts
from articles.rendering import render_body
from articles.roles import Actor, Pipeline, may, may_delete, may_edit, may_publish
from articles.services import lead_images
from articles.services.lead_images import KEEP, Keep, LeadImage
from articles.slugs import has_letters_or_digits
from references.models import Reference

REFERENCE_FIELDS = ["publisher", "title", "url", "accessed_at"]
TAG_NEEDS_A_LETTER = "{name!r} has no letter or digit: a tag needs one to have an address."


@dataclasses.dataclass
class Stored:
    """An article as the database holds it, locked for the write, with its references and tags."""

    article: Article
    references: list[Reference]
    tags: list[Tag]

    @classmethod
    def load(cls, article_filter: Q) -> "Stored | None":
        # With its lead image as it was: the write may describe that image anew.
        article = (
            Article.objects.select_for_update(of=("self",))
            .select_related("lead_image")
            .filter(article_filter)
            .first()
        )
        if article is None:
            return None
        return cls(article, list(article.references.all()), list(article.tags.all()))

    @classmethod
    def existing(cls, article: Article) -> "Stored":
        stored = cls.load(Q(pk=article.pk))
        if stored is None:
            raise ValidationError(f"“{article}” no longer exists: someone deleted it meanwhile.")
        return stored

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    def state(self) -> changes.ArticleState:
        return changes.ArticleState.of(self.article, [tag.pk for tag in self.tags])


@transaction.atomic
def article_create(
    *,
    actor: Actor,
    article: Article,
    tags: Sequence[str] = (),
    references: Sequence[Reference] = (),
    lead_image: LeadImage | None | Keep = KEEP,
    edit: Edit = SILENT,
) -> Article:
    """Create `article` (not yet saved) with its tags (names), references (unsaved) and lead
    image (KEEP: the image its field names)."""
    return write(
        actor=actor,
        article=article,
        stored=None,
        tags=tags,
        references=references,
        lead_image=lead_image,
        edit=edit,
    )


@transaction.atomic
def article_update(
    *,
    actor: Actor,
    article: Article,
    tags: Sequence[str] | None = None,
    references: Sequence[Reference] | None = None,
    lead_image: LeadImage | None | Keep = KEEP,
    edit: Edit = SILENT,
) -> Article:
    """Store `article`'s field values, and its tags, references and lead image when given.

    `references` is the whole list the article should have, matched by number with the stored
    ones: a number that stays is updated in place, a new number added, a missing one removed.
    None keeps the stored tags or references. `lead_image` describes the article's picture
    anew or gives it a new one; None removes it, and KEEP keeps the image its field names.
    """
    stored = Stored.existing(article)
    return write(
        actor=actor,
        article=article,
        stored=stored,
        tags=tags,
        references=references,
        lead_image=lead_image,
        edit=edit,
    )


@transaction.atomic
def article_set_status(
    *, actor: Actor, article: Article, status: str, edit: Edit = SILENT
) -> Article | None:
    """Move the article to `status`; return it as saved, or None if it was there already.

    Publishing without a date publishes now; a future date schedules it.
    """
    # Judge the article as it is now, not as the caller read it: an editor may have just
    # published it, and a writer must not take it offline.
    stored = Stored.existing(article)
    _check_may_edit(actor, stored.article)
    if stored.article.status == status:
        return None
    changed = copy.copy(stored.article)
    changed.status = status
    return write(actor=actor, article=changed, stored=stored, tags=None, references=None, edit=edit)


def article_publish(*, actor: Actor, article: Article, edit: Edit = SILENT) -> Article | None:
    """Publish the article: now, or at its publication time if that is still to come."""
    return article_set_status(
        actor=actor, article=article, status=Article.Status.PUBLISHED, edit=edit
    )


def article_unpublish(*, actor: Actor, article: Article, edit: Edit = SILENT) -> Article | None:
    """Take the article off the site, back to draft."""
    return article_set_status(actor=actor, article=article, status=Article.Status.DRAFT, edit=edit)


def article_archive(*, actor: Actor, article: Article, edit: Edit = SILENT) -> Article | None:
    """Archive the article: it leaves the lists and its page says so."""
    return article_set_status(
        actor=actor, article=article, status=Article.Status.ARCHIVED, edit=edit
    )


@transaction.atomic
def article_schedule(
    *, actor: Actor, article: Article, at: dt.datetime, edit: Edit = SILENT
) -> Article:
    """Publish the article at `at`, a time still to come."""
    if at <= timezone.now():
        raise ValidationError(
            {"published_at": "A scheduled article needs a publication time in the future."}
        )
    stored = Stored.existing(article)
    changed = copy.copy(stored.article)
    changed.status = Article.Status.PUBLISHED
    changed.published_at = at
    return write(actor=actor, article=changed, stored=stored, tags=None, references=None, edit=edit)


@transaction.atomic
def article_delete(*, actor: Actor, article: Article) -> None:
    """Delete the article with its references, tags links and votes."""
    stored = Stored.load(Q(pk=article.pk))
    if stored is None:
        return
    if not may_delete(actor, stored.article):
        raise PermissionDenied(
            f"“{stored.article}” is {stored.article.get_status_display().lower()}: "
            "only editors delete articles, and only they those readers can see."
        )
    before = stored.state()
    # Told before the rows go, so that what follows a delete can still read the article.
    changes.article_written.send(
        sender=Article,
        article=stored.article,
        before=before,
        after=None,
        public_change="",
        revised=False,
    )
    stored.article.delete()
    keys = changes.article_keys(before, None)
    keys |= _rank_neighbours_again(stored.article.related_ids or [], before.pk)
    changes.record(keys)


def write(
    *,
    actor: Actor,
    article: Article,
    stored: Stored | None,
    tags: Sequence[str] | None,
    references: Sequence[Reference] | None,
    lead_image: LeadImage | None | Keep = KEEP,
    edit: Edit = SILENT,
) -> Article:
    """Check, validate, render once and store `article`; `stored` is what it replaces.

    The one write every article service runs, inside the caller's transaction. It records a
    revision of what readers see (articles/editorial) and the public change `edit` announces.
    """
    if stored is None:
        if not may(actor, "add", Article):
            raise PermissionDenied("Only editors and writers add articles.")
    else:
        _check_may_edit(actor, stored.article)
    if article.status in LIVE_STATUSES and not may_publish(actor):
        raise PermissionDenied(f"Only editors can publish, schedule or archive “{article}”.")

    if tags is None:
        tag_names = [tag.name for tag in stored.tags] if stored else []
    else:
        tag_names = list(tags)
    _check_tag_names(tag_names)
    if references is None:
        references = stored.references if stored else []
    references = _matched(references, stored.references if stored else [])
    # The two check constraints are what clean() (publishing sets the date) and the quality
    # score's validators already ensure; checking them again costs a query each. The lead
    # image is settled below, once the article is known to be valid.
    article.full_clean(exclude=["lead_image"], validate_constraints=False)
    tag_objects = _tags_for(tag_names, stored.tags if stored else [])
    now = timezone.now()
    recording.check_public_change(
        edit, was_readable=stored is not None and stored.article.is_readable()
    )
    overridden = _held_gates_overridden(actor, article, stored, edit)
    lead_images.settle(actor, article, stored.article.lead_image_id if stored else None, lead_image)
    recorded, public_changes = recording.Recorded(), []
    if stored is not None:
        # The revision goes first: the page shows the public change it carries.
        recording.announce(article, edit, now)
        recorded = recording.record(
            actor=actor,
            article=article,
            references=references,
            tags=tag_objects,
            edit=edit,
            stored=stored,
            now=now,
        )
        if recorded.reads_differently and not _is_editor(actor):
            article.reviewed_at = None  # an approval applies to the text it approved
        if overridden:
            _record_override(actor, article, recorded.revision, overridden, edit)
        public_changes = recording.public_changes(article)
    cited = _render(article, references, tag_objects, public_changes, now)
    article.body_signature = similarity.signature(article.body_text)  # for the duplicate gate
    numbers = [reference.number for reference in references]
    if cited - set(numbers):
        try:
            check_citations(article.body, numbers)  # says which numbers are missing
        except ValidationError as error:
            raise ValidationError({"body": error.messages}) from None

    if stored is not None:  # the stored revision, not the one the caller read
        article.revision = stored.article.revision + (stored.article.body != article.body)
    tag_ids = [tag.pk for tag in tag_objects]
    was_related = stored.article.related_ids if stored else None
    moves = was_related is None or _relation(stored.article, stored.tags) != _relation(
        article, tag_objects
    )
    article.related_ids = related.ranked(article, tag_ids) if moves else was_related
    article.save(force_insert=stored is None, force_update=stored is not None)
    if connection.vendor == "postgresql":
        del article.search_vector  # computed by the database; read again only if asked for
    _store_references(article, references, stored.references if stored else [])
    _link_tags(article, tag_objects, stored.tags if stored else [])
    if stored is None:
        recording.record(
            actor=actor,
            article=article,
            references=references,
            tags=tag_objects,
            edit=edit,
            now=now,
        )

    before = stored.state() if stored else None
    after = changes.ArticleState.of(article, tag_ids)
    keys = changes.article_keys(before, after)
    if moves:
        keys |= _rank_neighbours_again({*(was_related or []), *article.related_ids}, article.pk)
    if recorded.public_change is not None or (
        public_changes and stored.article.is_readable() != article.is_readable()
    ):
        keys.add(changes.CHANGE_LOG)  # /corrections/ lists the entries of readable articles
    changes.record(keys)
    changes.article_written.send(
        sender=Article,
        article=article,
        before=before,
        after=after,
        public_change=recorded.public_change.kind if recorded.public_change else "",
        revised=stored is None or recorded.revision is not None,
    )
    return article


def _relation(article: Article, tags: Sequence[Tag]) -> tuple:
    """What the related articles of an article, and those it is related to, depend on."""
    return (
        article.status,
        article.retracted_at is None,
        article.section_id,
        {tag.pk for tag in tags},
    )


def _rank_neighbours_again(pks, article_pk) -> set[str]:
    """Rank again the related articles of the articles `article_pk` was or is related to (it
    entered, left or moved among their candidates); return the keys of the lists that changed."""
    moved = related.rank_again(pk for pk in pks if pk != article_pk)
    return {changes.related_key(pk) for pk in moved}


def _held_gates_overridden(
    actor: Actor, article: Article, stored: Stored | None, edit: Edit
) -> list[dict]:
    """Return the gates an editor publishes a held article over (with the reason `edit`
    gives), or none; refuse to publish it without a reason.

    The pipeline's own writes are judged by the gates again instead (the import does).
    """
    if isinstance(actor, Pipeline) or stored is None or not stored.article.held_gates:
        return []
    if article.status != Article.Status.PUBLISHED or not article.held_gates:
        return []
    if not edit.override_reason.strip():
        failed = "; ".join(gate["message"] for gate in stored.article.held_gates)
        raise ValidationError(
            {
                "status": f"“{article}” was held by the publication gates: {failed} To "
                "publish it anyway, give your reason; it is recorded with your name."
            }
        )
    return list(stored.article.held_gates)


def _is_editor(actor: Actor) -> bool:
    """Tell whether `actor` is a person with editorial control (the pipeline is not)."""
    return not isinstance(actor, Pipeline) and may_publish(actor)


def _record_override(actor: Actor, article: Article, revision, gates: list[dict], edit: Edit):
    """Record that `actor` published `article` over the failed `gates`, and why."""
    Review.objects.create(
        article=article,
        revision=revision,
        decision=Review.Decision.OVERRIDDEN,
        gates=gates,
        note=edit.override_reason.strip(),
        **recording.reviewer_fields(actor),
    )
    article.held_gates = []


def _check_may_edit(actor: Actor, article: Article) -> None:
    if not may_edit(actor, article):
        raise PermissionDenied(
            f"“{article}” is {article.get_status_display().lower()}: only editors change "
            "articles readers can see."
        )


def _render(
    article: Article,
    references: Sequence[Reference],
    tags: Sequence[Tag],
    public_changes: Sequence,
    now: dt.datetime,
) -> set[int]:
    """Fill what the article stores for readers from its fields, references, tags and public
    changes (the body as HTML and text, its page's parts, its search vector); return the
    numbers the body cites."""
    rendered = render_body(article.body, {ref.number: ref.title for ref in references})
    article.body_html = rendered.html
    article.body_text = rendered.text
    article.word_count = rendered.word_count
    article.reading_time = rendered.reading_time
    article.updated_at = now  # before the page parts, which show it
    for name, value in render_page_parts(article, references, tags, public_changes).items():
        setattr(article, name, value)
    if connection.vendor == "postgresql":
        article.search_vector = search_vector(
            title=Value(article.title),
            dek=Value(article.dek),
            tags=Value(" ".join(tag.name for tag in tags)),
            body_text=Value(article.body_text),
        )
    return rendered.cited_numbers


def search_vector(*, title, dek, tags, body_text) -> SearchVector:
    """The full-text vector of an article (title, then dek and tags, then body), from four
    expressions: the values being written, or columns and a subquery for rows in place."""
    return (
        SearchVector(title, weight="A", config=SEARCH_CONFIG)
        + SearchVector(dek, weight="B", config=SEARCH_CONFIG)
        + SearchVector(tags, weight="B", config=SEARCH_CONFIG)
        + SearchVector(body_text, weight="C", config=SEARCH_CONFIG)
    )


def _matched(references: Sequence[Reference], stored: Sequence[Reference]) -> list[Reference]:
    """Validate the references the article should have and give each the stored row with
    its number (updated in place) or none (added)."""
    by_number = {reference.number: reference for reference in stored}
    seen = set()
    for reference in references:
        reference.full_clean(exclude=["article"], validate_constraints=False)
        if reference.number in seen:
            raise ValidationError(
                {"references": f"Number {reference.number} is used by two references."}
            )
        seen.add(reference.number)
        match = by_number.get(reference.number)
        reference.pk = match.pk if match else None
        reference._state.adding = match is None
    return sorted(references, key=lambda reference: reference.number)


def _store_references(
    article: Article, references: list[Reference], stored: Sequence[Reference]
) -> None:
    by_number = {reference.number: reference for reference in stored}
    kept = {reference.number for reference in references}
    gone = [reference.pk for reference in stored if reference.number not in kept]
    if gone:
        Reference.objects.filter(pk__in=gone).delete()
    for reference in references:
        reference.article = article
    changed = [
        reference
        for reference in references
        if reference.number in by_number
        and any(
            getattr(reference, name) != getattr(by_number[reference.number], name)
            for name in REFERENCE_FIELDS
        )
    ]
    if changed:
        Reference.objects.bulk_update(changed, REFERENCE_FIELDS)
    added = [reference for reference in references if reference.number not in by_number]
    if added:
        Reference.objects.bulk_create(added)
        for reference in added:
            reference._state.adding = False


def _check_tag_names(names: Sequence[str]) -> None:
    for name in names:
        if not has_letters_or_digits(name):
            raise ValidationError({"tags": TAG_NEEDS_A_LETTER.format(name=name)})


def _tags_for(names: Sequence[str], stored: Sequence[Tag]) -> list[Tag]:
    """Return the tags named (case-insensitively), the article's own first, creating new ones."""
    wanted = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    stored_by_name = {tag.name.lower(): tag for tag in stored}
    if wanted.keys() == stored_by_name.keys():
        return list(stored)
    missing = [name for key, name in wanted.items() if key not in stored_by_name]
    return [stored_by_name[key] for key in wanted if key in stored_by_name] + _tags_named(missing)


def _link_tags(article: Article, tags: Sequence[Tag], stored: Sequence[Tag]) -> None:
    """Give the saved article exactly `tags`, where it had `stored`."""
    wanted = {tag.pk for tag in tags}
    gone = [tag.pk for tag in stored if tag.pk not in wanted]
    if gone:
        TaggedArticle.objects.filter(content_object=article, tag__in=gone).delete()
    linked = {tag.pk for tag in stored}
    TaggedArticle.objects.bulk_create(
        [TaggedArticle(content_object=article, tag=tag) for tag in tags if tag.pk not in linked]
    )


def _tags_named(names: Sequence[str]) -> list[Tag]:
    """Return the tags with these names, matched case-insensitively, creating those missing."""
    if not names:
        return []
    slugs = {name: Tag().slugify(name) for name in names}
    existing = list(
        Tag.objects.filter(
            Q.create([("name__iexact", name) for name in names], connector=Q.OR)
            | Q(slug__in=slugs.values())
        )
    )
    found = {tag.name.lower(): tag for tag in existing}
    new = [Tag(name=name, slug=slugs[name]) for name in names if name.lower() not in found]
    for tag in new:
        try:
            tag.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError({"tags": f"{tag.name!r}: {' '.join(error.messages)}"}) from None
    taken = {tag.slug for tag in existing}
    new_slugs = [tag.slug for tag in new]
    if taken.isdisjoint(new_slugs) and len(set(new_slugs)) == len(new_slugs):
        Tag.objects.bulk_create(new)
    else:  # a new name's slug is taken (`C++` and `C`): taggit's save finds a free one
        for tag in new:
            tag.slug = ""
            tag.save()
    return [found.get(name.lower()) or next(t for t in new if t.name == name) for name in names]
