import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_update


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def change_form(article: Article, **overrides) -> dict:
    """Return the POST data of `article`'s admin change form as it is stored, with its
    references, changed by `overrides`."""
    published_at = timezone.localtime(article.published_at) if article.published_at else None
    references = list(article.references.all())
    data = {
        "title": article.title,
        "slug": article.slug,
        "dek": article.dek,
        "body": article.body,
        "byline": article.byline,
        "section": article.section_id,
        "tags": ", ".join(f'"{name}"' for name in article.tags.names()),
        "origin": article.origin,
        "pipeline_version": article.pipeline_version,
        "quality_score": "" if article.quality_score is None else article.quality_score,
        "external_id": article.external_id or "",
        "status": article.status,
        "published_at_0": published_at.strftime("%Y-%m-%d") if published_at else "",
        "published_at_1": published_at.strftime("%H:%M:%S") if published_at else "",
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": str(len(references)),
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    if article.sources_verified:
        data["sources_verified"] = "on"
    if article.fact_checked:
        data["fact_checked"] = "on"
    if article.featured:
        data["featured"] = "on"
    for index, ref in enumerate(references):
        for name in ("number", "publisher", "title", "url"):
            data[f"references-{index}-{name}"] = getattr(ref, name)
        data[f"references-{index}-accessed_at"] = ref.accessed_at or ""
        data[f"references-{index}-id"] = ref.pk
        data[f"references-{index}-article"] = article.pk
    return data | overrides


def form_errors(response) -> dict:
    """Return the article form's errors by field, from a re-rendered admin form."""
    assert response.status_code == 200, response.status_code
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


def pipeline_update(article: Article, **fields) -> Article:
    """Update `article` as the pipeline's import does, with new field values."""
    for name, value in fields.items():
        setattr(article, name, value)
    return article_update(actor=PIPELINE, article=article)
