"""Full-text search over published articles.

PostgreSQL: the stored, weighted `search_vector` (GIN-indexed), English stemming, `SearchRank`
and `SearchHeadline`. SQLite (the small-site mode): every word must appear in the title, dek,
tags or body (case-insensitive), ranked by where it appears. Both order title matches first.
"""

import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import SEARCH_CONFIG, TaggedArticle

MAX_QUERY_LENGTH = 200
MAX_FALLBACK_TERMS = 8
SNIPPET_WORDS = 30
# Markers SearchHeadline puts around matches; the text is escaped before they become <mark>.
MARK_START, MARK_STOP = "⟦", "⟧"
# The title's part of the stored vector (its weight-A lexemes): re-parsing every matching title
# to find title matches cost more than ranking them.
TITLE_VECTOR = Func(
    F("search_vector"),
    function="ts_filter",
    template="%(function)s(%(expressions)s, '{a}')",
    output_field=SearchVectorField(),
)


def clean_query(raw: str) -> tuple[str, bool]:
    """Return the query as searched (control characters dropped, spaces folded) and whether
    it had to be shortened to MAX_QUERY_LENGTH characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    text = " ".join(printable.split()).replace(MARK_START, "").replace(MARK_STOP, "")
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    shortened = text[: MAX_QUERY_LENGTH + 1].rsplit(" ", 1)[0]  # never cut a word in two
    return shortened[:MAX_QUERY_LENGTH], True


def search(articles: QuerySet, text: str) -> QuerySet:
    """Return the matching articles, best first, each with a `snippet` attribute source."""
    if connection.vendor == "postgresql":
        return _postgres_search(articles, text)
    return _fallback_search(articles, text)


def _postgres_search(articles: QuerySet, text: str) -> QuerySet:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        articles.filter(search_vector=query)
        .alias(title_vector=TITLE_VECTOR)
        .annotate(
            title_match=_points(Q(title_vector=query), 1),
            rank=SearchRank(F("search_vector"), query),
            headline=SearchHeadline(
                "body_text",
                query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=SNIPPET_WORDS,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-title_match", "-rank", "-published_at", "-pk")
    )


def _fallback_search(articles: QuerySet, text: str) -> QuerySet:
    terms = text.split()[:MAX_FALLBACK_TERMS]
    articles = articles.defer(None).defer("body", "body_html", "search_vector")  # snippets
    score = Value(0)
    for index, term in enumerate(terms):
        tagged = Exists(
            TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag__name__icontains=term)
        )
        articles = articles.alias(**{f"tagged_{index}": tagged}).filter(
            Q(title__icontains=term)
            | Q(dek__icontains=term)
            | Q(body_text__icontains=term)
            | Q(**{f"tagged_{index}": True})
        )
        score = (
            score
            + _points(Q(title__icontains=term), 100)  # title matches first
            + _points(Q(dek__icontains=term), 3)
            + _points(Q(**{f"tagged_{index}": True}), 3)
            + _points(Q(body_text__icontains=term), 1)
        )
    return articles.annotate(rank=score).order_by("-rank", "-published_at", "-pk")


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def snippet(article, text: str) -> str:
    """Return an HTML-safe excerpt of the body with the query's words in <mark>."""
    marked = getattr(article, "headline", None) or _excerpt(
        article.body_text or article.dek, text.split()[:MAX_FALLBACK_TERMS]
    )
    html = escape(marked).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our <mark> tags added


def _excerpt(body: str, terms: list[str]) -> str:
    """Cut a window of the body around the first match and put markers around matches."""
    words = body.split()
    pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
    first_hit = 0
    if pattern:
        first_hit = next((i for i, word in enumerate(words) if pattern.search(word)), 0)
    start = max(0, first_hit - SNIPPET_WORDS // 3)
    excerpt = " ".join(words[start : start + SNIPPET_WORDS])
    if pattern:
        excerpt = pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_STOP}", excerpt)
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return f"{prefix}{excerpt}{suffix}"
