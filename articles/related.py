"""Related articles: what to read next after an article.

Candidates are the published articles carrying any of the article's tags, taken from the last
RELATED_CANDIDATES links to those tags by article id: the articles added to the site last, so
a backdated import counts by when it was added, not by its publication date. Among them, those
sharing the most tags come first, then those of its section, then the most recently published.
When fewer than `limit` share a tag, the most recently published articles of the same section
fill the list. Looking only at the last-added candidates keeps the cost the same whether a tag
has ten articles or ten thousand.
"""

from collections import Counter

from articles.models import Article, TaggedArticle, published_condition

# How many links to the article's tags the ranking looks at, those of the last-added articles
# (an article sharing two tags takes two).
RELATED_CANDIDATES = 100
# How many related articles a page shows.
RELATED_LIMIT = 4


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Return up to `limit` published articles to read next, best first, as cards show them.

    Reads the article's tags from `article.tag_ids`: one query for the candidates, one for the
    cards, and one more when the section has to fill the list.
    """
    ranked = rank(article, candidates(article), limit)
    cards = Article.objects.published().card_fields().in_bulk(ranked)
    related = [cards[pk] for pk in ranked if pk in cards]
    if len(related) < limit:
        related += (
            Article.objects.published()
            .card_fields()
            .filter(section_id=article.section_id)
            .exclude(pk__in=[article.pk, *ranked])
            .order_by("-published_at", "-pk")[: limit - len(related)]
        )
    return related


def candidates(article: Article) -> list[tuple[int, int, object]]:
    """Return (id, section id, published at) of the last-added (highest id) published articles
    carrying any of the article's tags, once for each tag they share with it."""
    if not article.tag_ids:
        return []
    return list(
        TaggedArticle.objects.filter(published_condition("content_object__"))
        .filter(tag_id__in=article.tag_ids)
        .exclude(content_object_id=article.pk)
        .order_by("-content_object_id")
        .values_list(
            "content_object_id", "content_object__section_id", "content_object__published_at"
        )[:RELATED_CANDIDATES]
    )


def rank(article: Article, links, limit: int) -> list[int]:
    """Return the ids of the best `limit` candidates: most shared tags, same section, most
    recently published."""
    shared_tags = Counter(pk for pk, _, _ in links)
    details = {pk: (section_id, published_at) for pk, section_id, published_at in links}

    def score(pk):
        section_id, published_at = details[pk]
        return shared_tags[pk], section_id == article.section_id, published_at, pk

    return sorted(shared_tags, key=score, reverse=True)[:limit]


def fills_from_section(article: Article, limit: int = RELATED_LIMIT) -> bool:
    """Tell whether fewer than `limit` published articles share a tag with `article`, so that
    the latest of its section fill its related articles (and a new one there may enter them)."""
    if not article.tag_ids:
        return True
    sharing = (
        TaggedArticle.objects.filter(published_condition("content_object__"))
        .filter(tag_id__in=article.tag_ids)
        .exclude(content_object_id=article.pk)
        .order_by("-content_object_id")
        .values_list("content_object_id", flat=True)
        .distinct()[:limit]
    )
    return len(sharing) < limit
