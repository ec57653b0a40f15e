"""Only with BENCH_MODE=1 (`make bench`): the stack's ceiling, the simplest page that reads the
database, and a per-request query count."""

from functools import cache

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines

from articles.models import Article


def ceiling(request):
    """Return a fixed short string: what the stack costs with no work in the view."""
    return HttpResponse("ok", content_type="text/plain")


def one_query_page(request, slug):
    """Return an article's title, section and body: one query and a one-line template, the
    least a page that reads the database costs on this stack (uncached, with every middleware)."""
    articles = Article.objects.published().select_related("section")
    article = get_object_or_404(articles.defer("body", "body_text", "search_vector"), slug=slug)
    return HttpResponse(one_query_template().render({"article": article}, request))


@cache
def one_query_template():
    return engines["django"].from_string(
        "<!DOCTYPE html><title>{{ article.title }}</title><h1>{{ article.title }}</h1>"
        "<p>{{ article.section.name }}</p>{{ article.body_html|safe }}"
    )


class QueryCountMiddleware:
    """Tell the benchmark how many SQL queries a request ran, in `X-Queries`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
