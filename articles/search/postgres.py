"""Search on PostgreSQL: the stored, weighted `search_vector` (GIN-indexed), English stemming,
`SearchRank` and `SearchHeadline`."""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet
from django.utils.safestring import SafeString

from articles.models import SEARCH_CONFIG, Article
from articles.search.text import (
    MARK_START,
    MARK_STOP,
    SNIPPET_WORDS,
    excerpt,
    marked_html,
    terms,
)

# The weights of the vector's parts: text (C) 0.01, standfirst and tags (B) 0.1, title (A) 1.
# ts_rank adds up a term's positions in order, each weight divided by the square of its place,
# which stays under 1.65 times the largest weight: a title match outranks any number of matches
# further down, and a standfirst or tag match any number in the text.
WEIGHTS = [0.0, 0.01, 0.1, 1.0]  # D, C, B, A


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def matches(articles: QuerySet, text: str) -> QuerySet:
    return articles.filter(search_vector=_query(text))


def ranked(candidates: QuerySet, text: str) -> QuerySet:
    """Order `candidates` by where the words appear (title first), then newest first."""
    rank = SearchRank(F("search_vector"), _query(text), weights=WEIGHTS)
    return candidates.alias(rank=rank).order_by("-rank", "-published_at", "-pk")


def snippets(pks: list[int], text: str) -> dict[int, SafeString]:
    headline = SearchHeadline(
        "body_text",
        _query(text),
        config=SEARCH_CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        max_words=SNIPPET_WORDS,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    found = Article.objects.filter(pk__in=pks).values_list("pk", headline, "dek")
    return {pk: marked_html(marked or excerpt(dek, terms(text))) for pk, marked, dek in found}
