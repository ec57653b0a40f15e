"""The pipeline's API, /api/v1/: thin over the services, so that the same rules and messages
apply as in the admin and `import_articles`."""

import json
import urllib.parse

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from articles.editorial import gates
from articles.editorial.models import Revision
from articles.editorial.recording import Edit
from articles.importing import ImportProblem, parse_json, schema_problem, text_problem
from articles.models import LIVE_STATUSES, Article
from articles.services import Imported, ImportOutcome, article_import, article_unpublish
from newsroom.api import idempotency, openapi, paging, problems, representation, versions
from newsroom.api.auth import TokenAuth, actor, require
from newsroom.api.models import Scope
from newsroom.api.schemas import (
    ArticleOut,
    ArticlePage,
    ArticleWritten,
    ProblemOut,
    RevisionList,
)

CONFLICT_MESSAGE = "conflicts with an article written at the same time; import it again."
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class NewsroomAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            openapi.import_components()
        )
        return schema


api = NewsroomAPI(
    title="Newsroom API",
    version="1",
    description="The generation pipeline's API: create, update, publish and correct articles. "
    "Authenticate with `Authorization: Bearer nr_…` (a token made in the admin or with "
    "`manage.py create_api_token`). Errors are `application/problem+json` naming the field.",
    urls_namespace="api",
    auth=TokenAuth(),
)

PROBLEMS = {400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 429: ProblemOut}


@api.exception_handler(problems.Problem)
def _problem(request, problem: problems.Problem):
    return problem.response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return problems.unauthorized(
        "Send your API token in the Authorization header: Bearer nr_…"
    ).response()


@api.exception_handler(ValidationError)
def _invalid_parameters(request, error: ValidationError):
    first = error.errors[0] if error.errors else {}
    location = [str(part) for part in first.get("loc", ())[1:]]
    return problems.invalid(first.get("msg", "is invalid."), field=".".join(location)).response()


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    return problems.Problem(error.status_code, "Error", str(error)).response()


@api.exception_handler(RequestDataTooBig)
def _too_big(request, error):
    return problems.Problem(413, "Content too large", "The request body is too large.").response()


# Reading


@api.get(
    "/articles/",
    response={200: ArticlePage, **PROBLEMS, 422: ProblemOut},
    operation_id="listArticles",
    tags=["Articles"],
    summary="List articles, oldest change first",
)
def list_articles(
    request,
    status: str | None = None,
    updated_since: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
):
    """Every article (drafts too), by the time of its last write, oldest first: pass the last
    `updated_at` you saw as `updated_since` to get what changed since."""
    require(request, Scope.READ)
    articles = Article.objects.order_by("updated_at", "pk")
    if status is not None:
        if status not in Article.Status.values:
            raise problems.invalid(
                f"{status!r} is not one of {', '.join(Article.Status.values)}.", field="status"
            )
        articles = articles.filter(status=status)
    if updated_since is not None:
        articles = articles.filter(updated_at__gte=paging.moment(updated_since, "updated_since"))
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise problems.invalid(f"must be from 1 to {MAX_PAGE_SIZE}.", field="limit")
    if cursor is not None:
        after_time, after_pk = paging.read_cursor(cursor)
        articles = articles.filter(updated_at__gte=after_time).exclude(
            updated_at=after_time, pk__lte=after_pk
        )
    page = list(representation.with_everything(articles)[: limit + 1])
    items = [representation.article_data(article, base_url=_base(request)) for article in page]
    next_cursor = None
    if len(page) > limit:
        items = items[:limit]
        last = page[limit - 1]
        next_cursor = paging.cursor_after(last)
    return _json(
        {
            "items": items,
            "next_cursor": next_cursor,
            "next": paging.next_page(request, next_cursor) if next_cursor else None,
        }
    )


@api.get(
    "/articles/{path:external_id}/revisions",
    response={200: RevisionList, **PROBLEMS},
    operation_id="listRevisions",
    tags=["Articles"],
    summary="An article's revisions, newest first",
)
def list_revisions(request, external_id: str):
    require(request, Scope.READ)
    article = _article(external_id)
    revisions = (
        Revision.objects.filter(article=article)
        .prefetch_related("public_changes")
        .order_by("-number")
    )
    items = []
    for revision in revisions:
        change = next(iter(revision.public_changes.all()), None)
        items.append(
            {
                "number": revision.number,
                "created_at": revision.created_at.isoformat(),
                "author": revision.author_name,
                "by_pipeline": revision.by_pipeline,
                "via": revision.via,
                "message": revision.message,
                "public_change": {"kind": change.kind, "text": change.text} if change else None,
            }
        )
    return _json({"items": items})


# Addresses longer than an article's own come first: external ids may hold slashes.


@api.post(
    "/articles/{path:external_id}/publish",
    response={200: ArticleWritten, **PROBLEMS, 409: ProblemOut, 412: ProblemOut},
    operation_id="publishArticle",
    tags=["Articles"],
    summary="Publish an article (the publication gates judge it)",
)
def publish_article(request, external_id: str):
    """Publish the article, or schedule it if its publication time is still to come. The
    publication gates judge it as they judge an import: when any fails, the answer is 409
    with every failed gate, and the article waits in review for an editor. Honours
    Idempotency-Key and If-Match."""
    require(request, Scope.PUBLISH)

    @transaction.atomic
    def publish():
        article = _locked_article(external_id)
        versions.check_if_match(request, versions.etag(article))
        data = {**representation.import_data(article), "status": Article.Status.PUBLISHED}
        imported = _import(data, request)
        article = _article(external_id)  # as this call left it: the row is still locked
        if article.status != Article.Status.PUBLISHED:  # held now, or when first asked
            refused = problems.conflict(_not_published(article), gates=article.held_gates)
            response = refused.response()  # an answer, not raised: the held record stays
            response["ETag"] = versions.etag(article)
            return response
        return _written(request, article, imported, created_status=200)

    return idempotency.once(request, lambda: _once_more_if_written_meanwhile(publish))


@api.post(
    "/articles/{path:external_id}/unpublish",
    response={200: ArticleWritten, **PROBLEMS, 412: ProblemOut},
    operation_id="unpublishArticle",
    tags=["Articles"],
    summary="Take an article off the site (back to draft)",
)
def unpublish_article(request, external_id: str):
    """Take the article off the site, back to draft. Honours Idempotency-Key and If-Match."""
    require(request, Scope.PUBLISH)

    @transaction.atomic
    def unpublish():
        article = _locked_article(external_id)
        versions.check_if_match(request, versions.etag(article))
        try:
            changed = article_unpublish(
                actor=actor(request), article=article, edit=Edit(via=Revision.Via.API)
            )
        except PermissionDenied as error:
            raise problems.forbidden(str(error)) from None
        outcome = ImportOutcome.UNCHANGED if changed is None else ImportOutcome.UPDATED
        return _written(request, _article(external_id), Imported(outcome))

    return idempotency.once(request, unpublish)


@api.get(
    "/articles/{path:external_id}",
    response={200: ArticleOut, 304: None, **PROBLEMS},
    operation_id="readArticle",
    tags=["Articles"],
    summary="Read an article",
)
def read_article(request, external_id: str):
    """The answer's ETag names this version: send it as If-Match when you write."""
    require(request, Scope.READ)
    return _article_response(_article(external_id), request)


# Writing


@api.put(
    "/articles/{path:external_id}",
    response={
        200: ArticleWritten,
        201: ArticleWritten,
        **PROBLEMS,
        409: ProblemOut,
        412: ProblemOut,
        415: ProblemOut,
        422: ProblemOut,
    },
    openapi_extra=openapi.import_body(),
    operation_id="putArticle",
    tags=["Articles"],
    summary="Create or update an article (the import format)",
)
def put_article(request, external_id: str):
    """Create (201) or update (200) the article with this external_id from one article of the
    import format, as `import_articles` would. An article asking to be published that fails
    a publication gate waits in review: the answer names the gates. Send `If-Match` with the
    ETag you read to refuse the write (412) if the article changed since; a PUT that changes
    nothing succeeds whatever it says, so retrying one is safe."""
    require(request, Scope.WRITE)
    data = _article_body(request)
    if data.get("external_id") != external_id:
        raise problems.invalid(
            f"{data.get('external_id')!r} is not the external_id in the address ({external_id!r}).",
            field="external_id",
        )
    if data.get("status") in (Article.Status.PUBLISHED, Article.Status.ARCHIVED):
        require(request, Scope.PUBLISH)

    @transaction.atomic
    def write():
        stored = Article.objects.select_for_update().filter(external_id=external_id).first()
        # Live, or asking to be: a version the gates held goes live once it passes them.
        if stored is not None and (stored.status in LIVE_STATUSES or gates.asks_to_publish(stored)):
            require(request, Scope.PUBLISH)
        version = versions.etag(stored) if stored else None
        versions.check_preconditions(request, version)
        imported = _import(data, request)
        if imported.outcome != ImportOutcome.UNCHANGED:
            versions.check_if_match(
                request, version
            )  # a write that changes nothing is no lost update
        # The answer is made while the row is locked: it is this write's version.
        return _written(request, _article(external_id), imported)

    return _once_more_if_written_meanwhile(write)


# Helpers


class _WrittenMeanwhile(Exception):
    """An id or address (the article's, its section's) is taken: perhaps by another call
    between our reading and our writing. Done again, the write finds what that call stored;
    if it is still taken, it was taken before (`problem` says so, as the import would)."""

    def __init__(self, problem: ImportProblem | None = None):
        super().__init__()
        self.problem = problem


def _import(data: dict, request):
    try:
        with transaction.atomic():
            return article_import(data=data, actor=actor(request), via=Revision.Via.API)
    except ImportProblem as problem:
        if problem.code == "unique":
            raise _WrittenMeanwhile(problem) from None
        raise problems.invalid(problem.message, field=problem.field) from None
    except PermissionDenied as error:
        raise problems.forbidden(str(error)) from None
    except IntegrityError:
        raise _WrittenMeanwhile from None


def _once_more_if_written_meanwhile(write):
    """Run `write` (a whole transaction); if another call wrote the same article or section at
    the same moment, run it again, once, to build on what that call stored."""
    try:
        return write()
    except _WrittenMeanwhile:
        try:
            return write()
        except _WrittenMeanwhile as again:
            if again.problem is not None:
                raise problems.invalid(again.problem.message, field=again.problem.field) from None
            raise problems.conflict(CONFLICT_MESSAGE) from None


def _article_body(request) -> dict:
    content_type = request.content_type or ""
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise problems.Problem(
            415, "Unsupported media type", "Send the article as application/json."
        )
    try:
        data = parse_json(_request_body(request).decode("utf-8"))
    except UnicodeDecodeError:
        raise problems.bad_request("The body is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise problems.bad_request(
            f"Invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
    except ValueError as error:  # NaN, Infinity, a number too long to read
        raise problems.bad_request(f"Invalid JSON: {error}.") from None
    except RecursionError:
        raise problems.bad_request("The JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise problems.invalid("must be a JSON object (one article).", field="article")
    problem = text_problem(data) or schema_problem(data)
    if problem is not None:
        raise problems.invalid(problem.message, field=problem.field)
    return data


def _request_body(request) -> bytes:
    """Return the body of a PUT: an article may carry its lead image in base64, so it may be
    larger than other requests (DATA_UPLOAD_MAX_MEMORY_SIZE) by that image."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise problems.bad_request("The Content-Length header is not a number.") from None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or length <= limit:
        return request.body
    if length > limit + (settings.IMAGE_MAX_BYTES + 2) // 3 * 4:
        raise RequestDataTooBig("The request body is too large.")
    body = request.read()  # the stream stops at Content-Length
    request._body = body  # what `request.body` gives anyone reading it later
    return body


def _no_such_article(external_id: str) -> problems.Problem:
    return problems.not_found(f"There is no article with external_id {external_id!r}.")


def _article(external_id: str) -> Article:
    if "\x00" in external_id:  # no article has one, and PostgreSQL cannot compare with one
        raise _no_such_article(external_id)
    article = representation.with_everything(Article.objects.filter(external_id=external_id))
    found = article.first()
    if found is None:
        raise _no_such_article(external_id)
    return found


def _locked_article(external_id: str) -> Article:
    if "\x00" in external_id:
        raise _no_such_article(external_id)
    article = Article.objects.select_for_update().filter(external_id=external_id).first()
    if article is None:
        raise _no_such_article(external_id)
    return representation.with_everything(Article.objects.filter(pk=article.pk)).get()


def _written(request, article: Article, imported, created_status: int = 201) -> HttpResponse:
    status = created_status if imported.outcome == ImportOutcome.CREATED else 200
    still_held = imported.outcome == ImportOutcome.UNCHANGED and bool(article.held_gates)
    body = {
        "outcome": str(imported.outcome),
        "message": str(imported),
        "held_for_review": imported.is_held or still_held,
        "gates": _gate_results(article.held_gates if still_held else imported.held_gates)
        if imported.judged or still_held
        else [],
        "article": representation.article_data(article, base_url=_base(request)),
    }
    response = _json(body, status=status)
    response["ETag"] = versions.etag(article)
    # Percent-encoded whole: an external_id may hold "/" and "..", which clients would resolve.
    response["Location"] = reverse("api:read_article", kwargs={"external_id": "_"}).removesuffix(
        "_"
    ) + urllib.parse.quote(article.external_id, safe="")
    return response


def _gate_results(failures: list[dict]) -> list[dict]:
    """Every enabled gate, passed or not (with what failed)."""
    failed = {failure["gate"]: failure["message"] for failure in failures}
    return [
        {"gate": name, "passed": name not in failed, "message": failed.get(name)}
        for name in gates.GATES
        if name in settings.PUBLISH_GATES
    ]


def _not_published(article: Article) -> str:
    if not article.held_gates:
        return (
            f"“{article.title}” was not published: an editor sent it back, and it waits in "
            "review for one."
        )
    return (
        f"“{article.title}” was not published: it waits in review for an editor. The "
        f"publication gates held it: {gates.describe(article.held_gates)}"
    )


def _article_response(article: Article, request) -> HttpResponse:
    response = _json(representation.article_data(article, base_url=_base(request)))
    response["ETag"] = versions.etag(article)
    return response


def _json(data, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def unknown_address(request, rest=""):
    """Any other address under /api/v1/: a 404 the client can read."""
    return problems.not_found(
        f"There is no {request.path} in this API; see /api/v1/docs."
    ).response()
