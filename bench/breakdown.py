#!/usr/bin/env python
"""Where an uncached article page spends its time: `make bench-breakdown`.

Runs in one process against the benchmark's database (`make bench` builds it), with the
benchmark's production settings, on random articles whose pages are not cached: the whole
request through Django's WSGI handler, the fixed-string ceiling the same way, then the parts of
the article page one by one. Milliseconds per article, one thread, no HTTP server.
"""

import io
import random
import sys
import time
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

    from articles.models import Article, Section
    from articles.related import related_articles
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
    per_call(lambda path: request_through_django(app, path), paths)  # stored parts up to date
    drop_pages(cache)
    page, _ = per_call(lambda path: request_through_django(app, path), paths)
    rows.append(("article, uncached, whole request", page))

    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    request.user = AnonymousUser()
    view = ArticleDetailView()
    view.setup(request)
    articles = view.get_queryset()
    took, sample = per_call(lambda slug: articles.get(slug=slug), rng.sample(slugs, SAMPLE))
    rows.append(("  the article with its stored parts (1 query)", took))
    took, related = per_call(related_articles, sample)
    rows.append(("  related articles: their stored cards (1 query, 2 to fill)", took))
    took, _ = per_call(lambda _: list(Section.objects.all()), sample)
    rows.append(("  the sections for the navigation (1 query)", took))

    def render(article_and_related):
        view.object, related = article_and_related
        context = view.get_context_data(object=view.object)
        context["related_articles"] = related
        return render_to_string("articles/article_detail.html", context, request)

    took, _ = per_call(render, list(zip(sample, related, strict=True)))
    rows.append(
        ("  the view's context and templates (related articles and sections read again)", took)
    )

    width = max(len(name) for name, _ in rows)
    for name, took in rows:
        print(f"{name:<{width}} {took:7.2f} ms")
    print(f"\nceiling ÷ uncached article, in one process: {ceiling / page:.1%}")


def drop_pages(cache):
    """Forget the stored pages but keep the content versions and the schedule."""
    cache.delete_pattern("page:*")  # django-redis, as the benchmark configures


if __name__ == "__main__":
    main()
