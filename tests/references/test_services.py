"""A reference is written as part of its article as the article is stored now, not as the
editor's request read it: an edit made meanwhile by someone else is kept."""

import pytest
from django.test import Client

from articles.models import Article
from articles.services import article_unpublish, article_update
from references.models import Reference
from references.services import reference_delete, reference_save
from tests.conftest import reference


@pytest.fixture
def article_and_source(make_article):
    article = make_article(title="Glaciers", body="Claim [1].", references=[reference(1)])
    # The editor's request reads the reference with its article, as the admin does.
    source = Reference.objects.select_related("article").get(article=article, number=1)
    return article, source


def test_saving_a_reference_keeps_an_unpublish_made_meanwhile(editor, article_and_source):
    article, source = article_and_source
    article_unpublish(actor=editor, article=Article.objects.get(pk=article.pk))
    source.title = "A better title"
    reference_save(actor=editor, reference=source)

    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.DRAFT
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert stored.references.get().title == "A better title"


def test_adding_a_reference_keeps_a_retitle_made_meanwhile(editor, article_and_source):
    article, source = article_and_source
    retitled = Article.objects.get(pk=article.pk)
    retitled.title = "Glaciers, measured"
    article_update(actor=editor, article=retitled)
    added = Reference(article=source.article, **reference(2, title="A second source"))
    reference_save(actor=editor, reference=added)

    html = Client().get(article.get_absolute_url()).content.decode()
    assert '<h1 id="article-title">Glaciers, measured</h1>' in html
    assert "A second source" in html


def test_deleting_a_reference_keeps_an_unpublish_made_meanwhile(editor, make_article):
    article = make_article(body="Claim [1].", references=[reference(1), reference(2)])
    second = Reference.objects.select_related("article").get(article=article, number=2)
    article_unpublish(actor=editor, article=Article.objects.get(pk=article.pk))
    reference_delete(actor=editor, reference=second)

    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.DRAFT
    assert [ref.number for ref in stored.references.all()] == [1]
