"""The benchmark's reference pages (`bench/urls.py`): the stack's ceiling, and the simplest page
that reads the database."""

from functools import cache

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
