"""The publication gates: what an article the pipeline asks to publish must pass to go live.

Each gate has a stable name and returns what failed, in words a journalist reads, or None.
`hold_failing` runs the gates settings.PUBLISH_GATES enables and, when any fails, keeps the
article in review with the failures in `held_gates`, for an editor to decide. Settings are read
at each call, so tests and deployments may change them.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db.models import Q
from django.utils import dateformat, timezone

from articles.editorial import similarity
from articles.models import Article
from articles.rendering import RenderedBody, format_numbers, read_body
from references.models import Reference


@dataclasses.dataclass(frozen=True)
class Candidate:
    """An article as the gates judge it: its fields, its references and its body read once."""

    article: Article
    references: Sequence[Reference]
    body: RenderedBody


def references_gate(candidate: Candidate) -> str | None:
    needed = settings.PUBLISH_MIN_REFERENCES
    count = len(candidate.references)
    if count >= needed:
        return None
    has = "no references" if count == 0 else f"{count} reference{'' if count == 1 else 's'}"
    return f"It has {has}; at least {needed} {'is' if needed == 1 else 'are'} needed."


def citations_gate(candidate: Candidate) -> str | None:
    numbers = {reference.number for reference in candidate.references}
    cited = candidate.body.cited_numbers
    problems = []
    if unresolved := cited - numbers:
        problems.append(f"It cites {format_numbers(unresolved)}, which no reference has.")
    if uncited := numbers - cited:
        listed = _and_list(sorted(uncited))
        if len(uncited) == 1:
            problems.append(f"Reference {listed} is never cited.")
        else:
            problems.append(f"References {listed} are never cited.")
    return " ".join(problems) or None


def provenance_gate(candidate: Candidate) -> str | None:
    """A machine-made article names the pipeline version that made it and carries its
    quality score; the pipeline's word that people wrote an article is taken as it is (and
    its silence is not: the import takes an article that does not say for the pipeline's)."""
    article = candidate.article
    missing = []
    if article.is_machine_made and not article.pipeline_version.strip():
        missing.append("no pipeline version")
    if article.is_machine_made and article.quality_score is None:
        missing.append("no quality score")
    return f"Provenance is incomplete: {', '.join(missing)}." if missing else None


def quality_gate(candidate: Candidate) -> str | None:
    """Judge the pipeline's quality score; an article written by people has none to judge."""
    minimum = settings.PUBLISH_MIN_QUALITY
    score = candidate.article.quality_score
    if score is None:
        if candidate.article.is_machine_made:
            return f"It has no quality score; at least {minimum:g} is needed."
        return None
    if score < minimum:
        return f"Quality score {score:g} is below {minimum:g}."
    return None


def duplicate_gate(candidate: Candidate) -> str | None:
    """Compare the body with those of the articles readers saw (or will see: scheduled ones)
    in the last PUBLISH_DUPLICATE_DAYS days, and those the gates hold from that time."""
    mine = similarity.signature(candidate.body.text)
    if mine is None:
        return None
    others = _recent_articles(written_before=candidate.article.pk)
    if not others:
        return None
    scores = similarity.similarities(mine, [other["body_signature"] for other in others])
    best = int(scores.argmax())
    if scores[best] < settings.PUBLISH_DUPLICATE_SIMILARITY:
        return None
    other = others[best]
    return (
        f"It reads like “{other['title']}” ({_path(other)}), {_when(other)}: "
        f"{round(scores[best] * 100)} % of its word shingles are the same."
    )


GATES: dict[str, Callable[[Candidate], str | None]] = {
    "references": references_gate,
    "citations": citations_gate,
    "provenance": provenance_gate,
    "quality": quality_gate,
    "duplicate": duplicate_gate,
}


def check(article: Article, references: Sequence[Reference]) -> list[dict]:
    """Return the enabled gates `article` fails, as [{gate, message}], in the gates' order."""
    enabled = set(settings.PUBLISH_GATES)
    candidate = Candidate(article, list(references), read_body(article.body))
    failures = []
    for name, gate in GATES.items():
        if name in enabled and (message := gate(candidate)) is not None:
            failures.append({"gate": name, "message": message})
    return failures


def asks_to_publish(article: Article) -> bool:
    """Tell whether the pipeline asks for `article` to be published: it says so, or it did and
    the gates hold the article in review."""
    if article.status == Article.Status.PUBLISHED:
        return True
    return article.status == Article.Status.IN_REVIEW and bool(article.held_gates)


def hold_failing(article: Article, references: Sequence[Reference], *, asks: bool) -> list[dict]:
    """Judge an article the pipeline writes: when it `asks` to be published and fails a gate,
    keep it in review with the failures in `held_gates`; return them.

    Whatever held it before is judged again: an article that now passes is published, and one
    an editor published over the gates goes back to review if the pipeline's new version fails.
    """
    if not asks:
        article.held_gates = []
        return []
    failures = check(article, references)
    article.status = Article.Status.IN_REVIEW if failures else Article.Status.PUBLISHED
    article.held_gates = failures
    return failures


def describe(failures: Sequence[dict]) -> str:
    """Name every failed gate with its message, for the import's output."""
    return "; ".join(f"{failure['gate']}: {failure['message']}" for failure in failures)


def _recent_articles(*, written_before: int | None) -> list[dict]:
    """Load what the duplicate gate needs of the window's articles, and no body.

    An article already stored is compared only with those first written before it: of two
    near copies the older is the original, and a copy held later never takes it off the site.

    Articles last written before signatures were stored have none: theirs is computed here
    from the stored text, not saved (their next write stores it).
    """
    since = timezone.now() - dt.timedelta(days=settings.PUBLISH_DUPLICATE_DAYS)
    published = Q(status=Article.Status.PUBLISHED, published_at__gte=since)
    held = Q(status=Article.Status.IN_REVIEW, updated_at__gte=since) & ~Q(held_gates=[])
    fields = ["pk", "title", "slug", "status", "published_at", "updated_at", "body_signature"]
    articles = Article.objects.filter(published | held).order_by("pk")
    if written_before is not None:
        articles = articles.filter(pk__lt=written_before)
    rows = list(articles.values(*fields))
    unsigned = [row["pk"] for row in rows if row["body_signature"] is None]
    if unsigned:
        texts = dict(Article.objects.filter(pk__in=unsigned).values_list("pk", "body_text"))
        for row in rows:
            if row["pk"] in texts:
                row["body_signature"] = similarity.signature(texts[row["pk"]])
    return rows


def _path(row: dict) -> str:
    return Article(slug=row["slug"]).get_absolute_url()


def _when(row: dict) -> str:
    if row["status"] == Article.Status.IN_REVIEW:
        return f"held for review since {_day(row['updated_at'])}"
    if row["published_at"] > timezone.now():
        return f"scheduled for {_day(row['published_at'])}"
    return f"published {_day(row['published_at'])}"


def _day(moment: dt.datetime) -> str:
    return dateformat.format(timezone.localtime(moment), "F j, Y")


def _and_list(numbers: Sequence[int]) -> str:
    words = [str(number) for number in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
