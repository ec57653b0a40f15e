"""Search where the database has no full-text search (SQLite, the small-site mode): every word
must appear in the title, dek, tags or body (case-insensitive), ranked by where it appears."""

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.safestring import SafeString

from articles.models import Article, TaggedArticle
from articles.search.text import excerpt, marked_html, terms


def _tagged(term: str) -> Exists:
    return Exists(
        TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag__name__icontains=term)
    )


def matches(articles: QuerySet, text: str) -> QuerySet:
    for index, term in enumerate(terms(text)):
        articles = articles.alias(**{f"tagged_{index}": _tagged(term)}).filter(
            Q(title__icontains=term)
            | Q(dek__icontains=term)
            | Q(body_text__icontains=term)
            | Q(**{f"tagged_{index}": True})
        )
    return articles


def ranked(candidates: QuerySet, text: str) -> QuerySet:
    """Order `candidates` by where the words appear (title first), then newest first."""
    score = Value(0)
    for term in terms(text):
        score = (
            score
            + _points(Q(title__icontains=term), 100)
            + _points(Q(dek__icontains=term), 3)
            + _points(_tagged(term), 3)
            + _points(Q(body_text__icontains=term), 1)
        )
    return candidates.alias(rank=score).order_by("-rank", "-published_at", "-pk")


def _points(condition, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def snippets(pks: list[int], text: str) -> dict[int, SafeString]:
    words = terms(text)
    texts = Article.objects.filter(pk__in=pks).values_list("pk", "body_text", "dek")
    return {pk: marked_html(excerpt(body or dek, words)) for pk, body, dek in texts}
