"""Build the benchmark's newsroom in PostgreSQL: N articles with tags, references and votes.

Bulk inserts, a few pre-rendered bodies reused across articles (rendering 100,000 bodies would
measure Markdown, not the site), and one SQL statement for the search vectors.
"""

import datetime as dt
import random
import sys
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, Section, TaggedArticle
from articles.rendering import render_body
from feedback.models import Vote
from references.models import Reference

BATCH = 2000
WORDS = [
    "model",
    "data",
    "training",
    "inference",
    "policy",
    "research",
    "benchmark",
    "evaluation",
    "open",
    "source",
    "newsroom",
    "transformer",
    "scaling",
    "retrieval",
    "agent",
    "tool",
    "safety",
    "regulation",
    "language",
    "vision",
    "audio",
    "robot",
    "dataset",
    "compute",
    "chip",
    "cloud",
    "privacy",
    "security",
    "startup",
    "funding",
    "paper",
    "release",
    "update",
    "study",
    "survey",
    "method",
    "system",
    "network",
    "memory",
    "reasoning",
    "alignment",
    "quality",
    "accuracy",
    "citation",
]
SECTIONS = ["News", "Research", "Tools", "Policy", "Business", "Opinion"]
# Each body template has a topic of its own, so a search for it matches about 1 in 24 articles
# (a search for WORDS matches every article, which no real archive does).
TOPICS = [
    "astronomy",
    "biology",
    "chemistry",
    "geology",
    "hydrology",
    "zoology",
    "botany",
    "ecology",
    "genetics",
    "optics",
    "acoustics",
    "robotics",
    "linguistics",
    "economics",
    "forestry",
    "fisheries",
    "volcano",
    "glacier",
    "desert",
    "rainforest",
    "coral",
    "tundra",
    "savanna",
    "wetland",
]
GENERATION = "bench2"  # change to rebuild existing benchmark databases


def progress(label, done, total, started):
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.perf_counter() - started, 1e-6)
    sys.stdout.write(
        f"\r  {label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}/s)"
    )
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def body_templates(rng, count=24):
    templates = []
    for index in range(count):
        paragraphs = []
        for part in range(6):
            vocabulary = WORDS + [TOPICS[index % len(TOPICS)]] * 4
            sentence = " ".join(rng.choice(vocabulary) for _ in range(40))
            paragraphs.append(f"## Part {part + 1}\n\n{sentence.capitalize()} [1]. More [2, 3].")
        source = "\n\n".join(paragraphs)
        titles = {1: "Source one", 2: "Source two", 3: "Source three"}
        templates.append((source, render_body(source, titles)))
    return templates


def build(total: int, seed: int = 7) -> None:
    """Fill an empty database with `total` published articles and their related rows."""
    rng = random.Random(seed)
    now = timezone.now()
    sections = [
        Section.objects.get_or_create(slug=slugify(name), defaults={"name": name, "position": i})[0]
        for i, name in enumerate(SECTIONS)
    ]
    tags = [
        Tag.objects.get_or_create(name=f"{a} {b}", slug=f"{a}-{b}")[0]
        for a in WORDS[:20]
        for b in WORDS[20:35]
    ]  # 300 tags
    templates = body_templates(rng)

    started = time.perf_counter()
    for first in range(0, total, BATCH):
        articles = []
        for number in range(first, min(first + BATCH, total)):
            source, rendered = templates[number % len(templates)]
            title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
            origin = rng.choice(["pipeline", "pipeline", "assisted", "human"])
            articles.append(
                Article(
                    title=title,
                    slug=f"{slugify(title)[:150]}-{number}",
                    dek=f"{title}: a summary.",
                    body=source,
                    body_html=rendered.html,
                    body_text=rendered.text,
                    word_count=rendered.word_count,
                    reading_time=rendered.reading_time,
                    byline="Bench Desk",
                    section=rng.choice(sections),
                    status="published",
                    published_at=now - dt.timedelta(minutes=number * 7),
                    origin=origin,
                    pipeline_version=f"2.{rng.randint(0, 5)}" if origin != "human" else "",
                    sources_verified=rng.random() < 0.8,
                    fact_checked=rng.random() < 0.7,
                    quality_score=round(rng.random(), 2) if origin != "human" else None,
                    external_id=f"{GENERATION}-{number}",
                )
            )
        # Drawn after the batch, as before tag_ids were stored, so the data stays the same. The
        # page parts are rendered when an article is first shown.
        article_tags = [rng.sample(tags, rng.randint(2, 5)) for _ in articles]
        for article, chosen in zip(articles, article_tags, strict=True):
            article.tag_ids = sorted(tag.pk for tag in chosen)
        with transaction.atomic():
            created = Article.objects.bulk_create(articles)
            TaggedArticle.objects.bulk_create(
                [
                    TaggedArticle(content_object=article, tag=tag)
                    for article, chosen in zip(created, article_tags, strict=True)
                    for tag in chosen
                ]
            )
            Reference.objects.bulk_create(
                [
                    Reference(
                        article=article,
                        number=n,
                        publisher="Bench Wire",
                        title=f"Source {n}",
                        url=f"https://example.org/{article.pk}/{n}",
                    )
                    for article in created
                    for n in (1, 2, 3)
                ]
            )
            Vote.objects.bulk_create(
                [
                    Vote(
                        article=article,
                        voter=f"{article.pk:032x}{v:032x}",
                        helpful=rng.random() < 0.7,
                        article_revision=1,
                        pipeline_version=article.pipeline_version,
                    )
                    for article in created
                    for v in range(rng.randint(0, 3))
                ]
            )
        progress("articles", min(first + BATCH, total), total, started)

    print("  search vectors (one UPDATE) …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE articles_article AS a SET search_vector =
                setweight(to_tsvector('english', a.title), 'A')
                || setweight(to_tsvector('english', a.dek), 'B')
                || setweight(to_tsvector('english', coalesce((
                    SELECT string_agg(t.name, ' ') FROM articles_taggedarticle ta
                    JOIN taggit_tag t ON t.id = ta.tag_id WHERE ta.content_object_id = a.id
                ), '')), 'B')
                || setweight(to_tsvector('english', a.body_text), 'C')
        """)
    print("  VACUUM ANALYZE …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
