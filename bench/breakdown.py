#!/usr/bin/env python
"""Where an uncached article page spends its time: `make bench-breakdown`.

Runs in one process against the benchmark's database (`make bench` builds it), with the
benchmark's production settings, on random articles whose pages are not cached: the whole
request through Django's WSGI handler, first with the pieces related articles are built from
still cold (as in a worker just started, or just after a publish), then warm; the fixed-string
ceiling the same way; then the parts of the article page one by one. Milliseconds per article,
one thread, no HTTP server.
"""

import io
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402 - sets the environment the benchmark's server runs with

SAMPLE = 200


def request_through_django(app, path):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(run.PORT),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def per_call(function, items):
    """Return the mean milliseconds of function(item), and the results."""
    started = time.perf_counter()
    results = [function(item) for item in items]
    return (time.perf_counter() - started) / len(items) * 1000, results


def main():
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from articles.models import Article
    from articles.views import ArticleDetailView

    app = WSGIHandler()
    rng = random.Random(5)
    slugs = list(Article.objects.published().values_list("slug", flat=True))
    for slug in rng.sample(slugs, 20):  # imports, connections
        request_through_django(app, f"/articles/{slug}/")
    cache.clear()

    rows = []
    ceiling, _ = per_call(lambda _: request_through_django(app, "/bench/ceiling"), range(SAMPLE))
    rows.append(("ceiling (fixed string), whole request", ceiling))
    paths = [f"/articles/{slug}/" for slug in rng.sample(slugs, SAMPLE)]
    cold, _ = per_call(lambda path: request_through_django(app, path), paths)
    rows.append(("article, uncached, whole request: related pieces cold", cold))
    drop_pages(cache)
    page, _ = per_call(lambda path: request_through_django(app, path), paths)
    rows.append(("article, uncached, whole request: related pieces warm", page))

    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    request.user, request.is_public = AnonymousUser(), True
    view = ArticleDetailView()
    view.setup(request)
    articles = view.get_queryset()
    took, sample = per_call(lambda slug: articles.get(slug=slug), rng.sample(slugs, SAMPLE))
    rows.append(("  the article (1 query)", took))

    def tags_and_references(article):
        tags, _ = list(article.tags.all()), list(article.references.all())
        return tags

    took, tags = per_call(tags_and_references, sample)
    rows.append(("  its tags and references (2 queries)", took))
    version = uuid.uuid4().hex  # one no worker has seen: every window and card is read
    pairs = list(zip(sample, tags, strict=True))
    took, _ = per_call(lambda pair: pair[0].related_articles(pair[1], version=version), pairs)
    rows.append(("  related articles, cold (windows and cards read: 2 queries)", took))
    took, related = per_call(lambda pair: pair[0].related_articles(pair[1], version=version), pairs)
    rows.append(("  related articles, warm (from the worker's memory)", took))

    def render(article_and_related):
        view.object, related_articles = article_and_related
        context = view.get_context_data(object=view.object)
        context["related_articles"] = related_articles
        return render_to_string("articles/article_detail.html", context, request)

    took, _ = per_call(render, list(zip(sample, related, strict=True)))
    rows.append(("  the template (reads the tags and references again)", took))

    width = max(len(name) for name, _ in rows)
    for name, took in rows:
        print(f"{name:<{width}} {took:7.2f} ms")
    print(
        f"\nceiling ÷ uncached article (related pieces warm), in one process: {ceiling / page:.1%}"
    )


def drop_pages(cache):
    """Forget the stored pages but keep the content version, so the shared pieces stay warm."""
    from articles.page_cache import STATE_KEY

    state = cache.get(STATE_KEY)
    cache.delete_pattern("page-cache:*")  # django-redis, as the benchmark configures
    cache.set(STATE_KEY, state, timeout=None)


if __name__ == "__main__":
    main()
