"""Search on PostgreSQL: the stored, weighted `search_vector` (GIN-indexed), English stemming,
`SearchRank` and `SearchHeadline`."""

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.utils.safestring import SafeString

from articles.models import SEARCH_CONFIG, Article
from articles.search.text import MARK_START, MARK_STOP, SNIPPET_WORDS, excerpt, marked_html

# The title's part of the stored vector (its weight-A lexemes): re-parsing every matching title
# to find title matches cost more than ranking them.
TITLE_VECTOR = Func(
    F("search_vector"),
    function="ts_filter",
    template="%(function)s(%(expressions)s, '{a}')",
    output_field=SearchVectorField(),
)


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def matches(articles: QuerySet, text: str) -> QuerySet:
    return articles.filter(search_vector=_query(text))


def ranked(candidates: QuerySet, text: str) -> QuerySet:
    """Order `candidates` title matches first, then by rank, then newest first."""
    query = _query(text)
    return (
        candidates.alias(title_vector=TITLE_VECTOR)
        .alias(
            title_match=Case(
                When(Q(title_vector=query), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            rank=SearchRank(F("search_vector"), query),
        )
        .order_by("-title_match", "-rank", "-published_at", "-pk")
    )


def snippets(pks: list[int], text: str) -> dict[int, SafeString]:
    headlines = Article.objects.filter(pk__in=pks).values_list(
        "pk",
        SearchHeadline(
            "body_text",
            _query(text),
            config=SEARCH_CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_words=SNIPPET_WORDS,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
        "dek",
    )
    return {pk: marked_html(headline or excerpt(dek, [])) for pk, headline, dek in headlines}
