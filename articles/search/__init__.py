"""Full-text search over published articles, most relevant or newest first.

Relevance ranks only the RANKED_MATCHES newest matches (found with the indexed `published_at`
order), so a word that matches most of a large archive costs no more than a rare one; older
matches are still found in the newest-first order, which pages through every match. Matches are
counted no further than RANKED_MATCHES + 1 ("more than 1,000"), and snippets are cut for the
shown page's articles only.

PostgreSQL (`postgres.py`) uses the stored, weighted `search_vector` with its GIN index; SQLite,
the small-site mode (`fallback.py`), matches words case-insensitively.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet, TextChoices
from django.utils.safestring import SafeString

from articles.search import fallback, postgres
from articles.search.paging import SearchPaginator
from articles.search.text import MAX_QUERY_LENGTH, clean_query

__all__ = [
    "MAX_QUERY_LENGTH",
    "RANKED_MATCHES",
    "Order",
    "Results",
    "SearchPaginator",
    "clean_query",
    "parse_order",
    "search",
    "snippets",
]

RANKED_MATCHES = 1000


class Order(TextChoices):
    # Relevance first: a reader who types a topic wants the articles about it (the word in the
    # headline) before those that mention it in passing, and ranking only the newest matches
    # keeps the most relevant ones recent. Following a story as it unfolds is "Newest first".
    RELEVANCE = "relevance", "Most relevant"
    NEWEST = "newest", "Newest first"


def parse_order(raw: str) -> Order:
    """Return the order a reader asked for, or the default for anything else."""
    return Order(raw) if raw in Order.values else Order.RELEVANCE


@dataclass(frozen=True)
class Results:
    articles: QuerySet  # in the order asked for: slice it into pages
    matches: int  # counted up to RANKED_MATCHES + 1
    bound: int  # RANKED_MATCHES when searched

    @property
    def more_than_bound(self) -> bool:
        return self.matches > self.bound

    @property
    def listed(self) -> int:
        """Return how many articles the order lists, or the bound when newest-first lists more."""
        return min(self.matches, self.bound)


def search(articles: QuerySet, text: str, order: Order = Order.RELEVANCE) -> Results:
    """Return the `articles` that match `text`, in `order`, and how many (up to a bound)."""
    backend = postgres if connection.vendor == "postgresql" else fallback
    bound = RANKED_MATCHES
    matches = backend.matches(articles, text)
    counted = matches.order_by()[: bound + 1].count()
    if order == Order.NEWEST:
        found = matches.order_by("-published_at", "-pk")
    else:
        newest = matches.order_by("-published_at", "-pk").values("pk")[:bound]
        found = backend.ranked(articles.filter(pk__in=newest), text)
    return Results(articles=found, matches=counted, bound=bound)


def snippets(articles, text: str) -> dict[int, SafeString]:
    """Return, by article id, an HTML-safe excerpt of each article's text with `text`'s words
    in <mark> (one query, for the page's articles only)."""
    backend = postgres if connection.vendor == "postgresql" else fallback
    return backend.snippets([article.pk for article in articles], text)
