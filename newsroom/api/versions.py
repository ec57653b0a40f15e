"""Which version of an article a call saw: its ETag, and the preconditions writes send."""

import hashlib
import json

from articles.models import Article
from newsroom.api import problems, representation


def etag(article: Article) -> str:
    """The article's version: its revision number, then a digest of everything the API shows
    of it (an editor's approval, the gates' record), so any change gives a new ETag."""
    if not hasattr(article, "latest_revision"):
        article = representation.with_everything(Article.objects.filter(pk=article.pk)).get()
    data = representation.article_data(article)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
    return f'"r{data["revision"]}-{digest}"'


def listed_etags(header: str) -> list[str]:
    # Writes compare strongly (RFC 9110): a weak tag (W/"…") matches nothing.
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def precondition_failed(detail: str, version: str | None = None) -> problems.Problem:
    problem = problems.Problem(412, "Precondition failed", detail)
    if version:
        problem.headers["ETag"] = version
    return problem


def check_preconditions(request, version: str | None) -> None:
    """If-None-Match: * creates only (a listed ETag: not that version); If-Match: * updates
    only."""
    none_match = request.headers.get("If-None-Match", "").strip()
    if none_match == "*" and version is not None:
        raise precondition_failed("The article exists already (If-None-Match: *).", version)
    if version is not None and version in listed_etags(none_match):
        raise precondition_failed(
            "The article is the version If-None-Match names, which this write is not for.", version
        )
    if request.headers.get("If-Match", "").strip() == "*" and version is None:
        raise precondition_failed("There is no such article yet (If-Match: *).")


def check_if_match(request, version: str | None) -> None:
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return
    if version is None:
        raise precondition_failed("There is no such article, so no ETag of it can match.")
    if version not in listed_etags(header):
        raise precondition_failed(
            f"The article changed since you read it: its ETag is no longer {header}. Read it "
            "again and send your change with the new ETag.",
            version,
        )
