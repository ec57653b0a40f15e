"""Related articles: what to read next after an article.

Each article stores its ranked related articles (`Article.related_ids`), chosen when it is
written, so that its page reads them with the cards' one query. The write services keep the
lists: when an article enters, leaves or moves between sections or tags, its own list is ranked
again and so are the lists of the articles it was or is related to. Relatedness is mutual, so
a new article enters the lists of the articles it lists; an older article's list changes only
through such a write, never through the mere passing of time.

The ranking: candidates are the published (or scheduled) articles carrying any of the article's
tags, taken from the last RELATED_CANDIDATES links to those tags by article id: the articles
added to the site last, so a backdated import counts by when it was added, not by its
publication date. Among them, those sharing the most tags come first, then those of its
section, then the most recently published. Scheduled articles are ranked in so that they are in
the lists when they go live; until then the page leaves them out. When fewer than `limit` can be
shown, the most recently published articles of the same section fill the list as it is read.
Looking only at the last-added candidates keeps the cost the same whether a tag has ten
articles or ten thousand.
"""

from collections import Counter
from collections.abc import Collection, Iterable

from articles import page_parts
from articles.models import Article, TaggedArticle

# How many links to the article's tags the ranking looks at, those of the last-added articles
# (an article sharing two tags takes two).
RELATED_CANDIDATES = 100
# How many related articles a page shows.
RELATED_LIMIT = 4
# What the page reads of them: each one's card is stored with it (`page_parts`).
CARD_FIELDS = ("pk", "related_card_html", "render_version")


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Return up to `limit` published articles to read next, best first, with their stored
    cards: one query, and one more when the section's latest have to fill the list."""
    if article.related_ids is None:  # written before lists were stored
        store(article)
    cards = Article.objects.published().only(*CARD_FIELDS)
    found = cards.in_bulk(article.related_ids)
    related = [found[pk] for pk in article.related_ids if pk in found][:limit]
    if len(related) < limit:
        related += (
            cards.filter(section_id=article.section_id)
            .exclude(pk__in=[article.pk, *article.related_ids])
            .order_by("-published_at", "-pk")[: limit - len(related)]
        )
    return [page_parts.up_to_date(card) for card in related]


def ranked(article: Article, tag_ids: Collection[int], limit: int = RELATED_LIMIT) -> list[int]:
    """Return the ids of the articles related to `article` (which need not be saved yet) if it
    carries the tags `tag_ids`, best first; none unless it is published or scheduled."""
    if article.status != Article.Status.PUBLISHED or article.retracted_at or not tag_ids:
        return []
    links = (
        TaggedArticle.objects.filter(
            tag_id__in=tag_ids,
            content_object__status=Article.Status.PUBLISHED,
            content_object__retracted_at__isnull=True,
        )
        .exclude(content_object_id=article.pk)
        .order_by("-content_object_id")
        .values_list(
            "content_object_id", "content_object__section_id", "content_object__published_at"
        )[:RELATED_CANDIDATES]
    )
    shared_tags = Counter()
    details = {}
    for pk, section_id, published_at in links:
        shared_tags[pk] += 1
        details[pk] = (section_id, published_at)

    def score(pk):
        section_id, published_at = details[pk]
        return shared_tags[pk], section_id == article.section_id, published_at, pk

    return sorted(shared_tags, key=score, reverse=True)[:limit]


def store(article: Article) -> None:
    """Rank and store the related articles of an article whose list was never stored."""
    tag_ids = TaggedArticle.objects.filter(content_object=article).values_list("tag_id", flat=True)
    article.related_ids = ranked(article, list(tag_ids))
    Article.objects.filter(pk=article.pk).update(related_ids=article.related_ids)


def rank_again(pks: Iterable[int]) -> set[int]:
    """Rank the related articles of the articles `pks` again (another article entered, left or
    moved among them); return the ids of those whose list changed."""
    articles = list(
        Article.objects.filter(pk__in=set(pks)).only(
            "pk", "status", "retracted_at", "section_id", "related_ids"
        )
    )
    if not articles:
        return set()
    tag_ids = {article.pk: [] for article in articles}
    for article_id, tag_id in TaggedArticle.objects.filter(content_object__in=articles).values_list(
        "content_object_id", "tag_id"
    ):
        tag_ids[article_id].append(tag_id)
    changed = []
    for article in articles:
        new = ranked(article, tag_ids[article.pk])
        if new != article.related_ids:
            article.related_ids = new
            changed.append(article)
    Article.objects.bulk_update(changed, ["related_ids"])
    return {article.pk for article in changed}


def forget(articles) -> None:
    """Have the related articles of `articles` (a queryset) ranked again when next shown: a
    change to many at once (a tag merged or deleted) would be too slow to rank in the write."""
    articles.update(related_ids=None)
