"""Writes of what frames the articles: sections, editorial pages and tags."""

from collections.abc import Sequence

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, OuterRef, ProtectedError, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from taggit.models import Tag

from articles import changes, page_parts, related
from articles.models import Article, Page, Section, TaggedArticle
from articles.roles import Actor, may
from articles.services.articles import search_vector


def _require(actor: Actor, action: str, model, what: str) -> None:
    if not may(actor, action, model):
        raise PermissionDenied(f"Only editors {action} {what}.")


@transaction.atomic
def section_save(*, actor: Actor, section: Section) -> Section:
    """Create or change a section (name, address, description, place in the navigation)."""
    is_new = section._state.adding
    _require(actor, "add" if is_new else "change", Section, "sections")
    section.full_clean()
    renamed = not is_new and _renamed(Section, section)
    section.save()
    if renamed:  # its articles' badges and breadcrumbs show its name and link its address
        page_parts.mark_stale(Article.objects.filter(section=section))
    # Every page's navigation lists the sections: pages carry the keys of those they show, but
    # none carries a new one's.
    changes.record({changes.SITE} if is_new else {changes.section_key(section.pk)})
    return section


@transaction.atomic
def section_delete(*, actor: Actor, section: Section) -> None:
    """Delete a section no article is in."""
    _require(actor, "delete", Section, "sections")
    keys = {changes.section_key(section.pk), changes.section_list_key(section.pk)}
    try:
        section.delete()
    except ProtectedError:
        raise ValidationError(
            f"“{section}” still has articles: move them to another section first."
        ) from None
    changes.record(keys)


@transaction.atomic
def page_save(*, actor: Actor, page: Page) -> Page:
    """Create or change an editorial page (its Markdown is rendered as it is saved)."""
    _require(actor, "add" if page._state.adding else "change", Page, "pages")
    page.full_clean()
    page.save()
    changes.record({changes.page_key(page.pk)})
    return page


@transaction.atomic
def page_delete(*, actor: Actor, page: Page) -> None:
    _require(actor, "delete", Page, "pages")
    key = changes.page_key(page.pk)
    page.delete()
    changes.record({key})


@transaction.atomic
def tag_create(*, actor: Actor, tag: Tag) -> Tag:
    """Create a tag no article carries yet (readers see nothing until one does)."""
    _require(actor, "add", Tag, "tags")
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_rename(*, actor: Actor, tag: Tag, name: str, slug: str | None = None) -> Tag:
    """Give the tag a new name (and address), on every article that carries it."""
    _require(actor, "change", Tag, "tags")
    tag.name = name
    if slug is not None:
        tag.slug = slug
    tag.full_clean()
    renamed = _renamed(Tag, tag)
    tag.save()
    if renamed:
        tagged = Article.objects.filter(tagged_items__tag=tag)
        _refresh_search_text(tagged)
        page_parts.mark_stale(tagged)  # their tag lists show its name and link its address
    changes.record({changes.tag_key(tag.pk), changes.SEARCH})
    return tag


@transaction.atomic
def tag_merge(*, actor: Actor, tags: Sequence[Tag], into: Tag) -> int:
    """Give the articles of `tags` the tag `into` instead, delete those tags and return how
    many articles changed tags."""
    _require(actor, "change", Tag, "tags")
    _require(actor, "delete", Tag, "tags")
    merged = [tag for tag in tags if tag.pk != into.pk]
    if not merged:
        return 0
    links = TaggedArticle.objects.filter(tag__in=merged)
    moved = set(links.values_list("content_object_id", flat=True))
    has_into = TaggedArticle.objects.filter(tag=into).values("content_object_id")
    # One link per article: repoint a link where the article lacks `into`, drop the rest.
    first_links = (
        links.exclude(content_object_id__in=has_into)
        .order_by("content_object_id", "pk")
        .values_list("content_object_id", "pk")
    )
    repoint = {}
    for article_id, link_pk in first_links:
        repoint.setdefault(article_id, link_pk)
    TaggedArticle.objects.filter(pk__in=repoint.values()).update(tag=into)
    TaggedArticle.objects.filter(tag__in=merged).delete()
    keys = {changes.ALL_ARTICLES, changes.SEARCH, changes.tag_key(into.pk)}
    keys.add(changes.tag_list_key(into.pk))
    for tag in merged:
        keys |= {changes.tag_key(tag.pk), changes.tag_list_key(tag.pk)}
        tag.delete()
    articles = Article.objects.filter(pk__in=moved)
    _refresh_search_text(articles)
    page_parts.mark_stale(articles)
    # Those that carried `into` may now be related to those that carried a merged tag.
    related.forget(Article.objects.filter(Q(pk__in=moved) | Q(tagged_items__tag=into)))
    keys |= {changes.article_key(pk) for pk in articles.readable().values_list("pk", flat=True)}
    changes.record(keys)
    return len(moved)


@transaction.atomic
def tag_delete(*, actor: Actor, tag: Tag) -> None:
    """Delete the tag and take it off every article that carries it."""
    _require(actor, "delete", Tag, "tags")
    tagged = TaggedArticle.objects.filter(tag=tag).values_list("content_object_id", flat=True)
    articles = Article.objects.filter(pk__in=list(tagged))
    keys = {
        changes.tag_key(tag.pk),
        changes.tag_list_key(tag.pk),
        changes.ALL_ARTICLES,
        changes.SEARCH,
    }
    keys |= {changes.article_key(pk) for pk in articles.readable().values_list("pk", flat=True)}
    tag.delete()
    _refresh_search_text(articles)
    page_parts.mark_stale(articles)
    related.forget(articles)
    changes.record(keys)


def _renamed(model, instance) -> bool:
    """Tell whether the name or slug of `instance` differs from its stored row's."""
    stored = model.objects.filter(pk=instance.pk).values_list("name", "slug").first()
    return stored != (instance.name, instance.slug)


def _refresh_search_text(articles) -> None:
    """Store the search vectors of `articles` again from their rows (their tags changed)."""
    if connection.vendor != "postgresql":
        return
    names = (
        TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        .values("content_object")
        .annotate(names=StringAgg("tag__name", " "))
        .values("names")
    )
    articles.update(
        search_vector=search_vector(
            title=F("title"),
            dek=F("dek"),
            tags=Coalesce(Subquery(names), Value(""), output_field=TextField()),
            body_text=F("body_text"),
        )
    )
