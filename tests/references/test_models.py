import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from references.models import Reference
from tests.conftest import reference


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "javascript:alert(1)", "data:text/html,x", "example.org"]
)
def test_reference_url_must_be_http_or_https(make_article, url):
    article = make_article()
    with pytest.raises(ValidationError) as caught:
        Reference(article=article, **reference(1, url=url)).full_clean()
    assert "url" in caught.value.message_dict


def test_database_refuses_a_non_http_url(make_article):
    with pytest.raises(IntegrityError):
        Reference.objects.create(article=make_article(), **reference(1, url="ftp://example.org"))


def test_number_is_unique_per_article(make_article):
    article = make_article(references=[reference(1)])
    with pytest.raises(ValidationError):
        Reference(article=article, **reference(1)).full_clean()
    Reference.objects.create(article=make_article(), **reference(1))  # another article: fine


def test_references_are_ordered_by_number(make_article):
    article = make_article(references=[reference(3), reference(1), reference(2)])
    assert [r.number for r in article.references.all()] == [1, 2, 3]
    assert str(article.references.first()) == "[1] Publisher 1 — Source title 1"
