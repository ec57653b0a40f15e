from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from articles import methodology
from articles.rendering import format_numbers, render_body

SEARCH_CONFIG = "english"
# The body in its forms; the article page shows the stored parts instead.
BODY_FIELDS = ("body", "body_html", "body_text", "search_vector", "body_signature")
# Columns only the article page (or search) reads; lists leave them in the database.
LONG_FIELDS = (*BODY_FIELDS, "head_html", "content_html", "related_card_html")


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(blank=True, help_text="Shown at the top of the section page.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections are listed in this order in the navigation."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Page(models.Model):
    """A page editors keep, like "How our articles are made", written in Markdown."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text="The page's address: /pages/<slug>/; the methodology page is how-it-works.",
    )
    body = models.TextField(help_text="Markdown, as in articles (raw HTML is shown as text).")
    body_html = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    METHODOLOGY_SLUG = methodology.SLUG

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_body(self.body).html
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.slug == self.METHODOLOGY_SLUG:
            return reverse("articles:methodology")
        return reverse("articles:page", kwargs={"slug": self.slug})


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = "article tag"
        # The related-articles ranking reads a tag's newest articles from this index alone.
        indexes = [
            models.Index(fields=["tag", "-content_object"], name="taggedarticle_tag_newest_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="taggedarticle_unique_tag_per_article"
            )
        ]


def published_condition(prefix=""):
    """The one visibility rule, as a condition; `prefix` reaches an article across a relation.

    A retracted article is not published: it leaves every list, and only its own page (with
    its retraction notice) stays up (`ArticleQuerySet.readable`).
    """
    return readable_condition(prefix) & Q(**{f"{prefix}retracted_at__isnull": True})


def readable_condition(prefix=""):
    return Q(
        **{
            f"{prefix}status": Article.Status.PUBLISHED,
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Return the articles a reader may see: published, with a publication time now or past."""
        return self.filter(published_condition())

    def readable(self):
        """Return the articles whose pages readers may open: the published ones, and those
        retracted after publication, which stay readable with their retraction notice."""
        return self.filter(readable_condition())

    def scheduled(self):
        """Return the published articles whose publication time is still to come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def editable_by(self, user):
        """Return the articles `user` may edit (articles.roles.may_edit says who may what)."""
        if user.has_perm("articles.publish_article"):
            return self
        return self.exclude(status__in=LIVE_STATUSES)

    def for_cards(self):
        """Fetch what an article card shows, in a constant number of queries."""
        return self.card_fields().prefetch_related("tags", "lead_image__renditions")

    def card_fields(self):
        """Load the columns a card needs, not the body in its three forms."""
        return self.select_related("section", "lead_image").defer(*LONG_FIELDS)


def tags_in_use():
    """Return the tags at least one published article carries, by name.

    One index probe per tag until a published article turns up, not a count over every link.
    """
    published_links = TaggedArticle.objects.filter(
        published_condition("content_object__"), tag=models.OuterRef("pk")
    )
    return Tag.objects.filter(models.Exists(published_links)).order_by("name")


def tags_with_counts():
    """Return the tags of published articles, each with its `article_count`, by name."""
    return (
        Tag.objects.filter(published_condition("articles_taggedarticle_items__content_object__"))
        .annotate(article_count=Count("articles_taggedarticle_items"))
        .order_by("name")
    )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Origin(models.TextChoices):
        PIPELINE = "pipeline", "Pipeline"
        ASSISTED = "assisted", "Assisted"
        HUMAN = "human", "Human"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The article's address. Changing it breaks links.",
    )
    dek = models.TextField(
        "dek", max_length=400, blank=True, help_text="The standfirst: one or two sentences."
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown. Start sections with ## and cite references inline as [1], [2, 3] "
        "or [2-4]; every cited number needs a reference below.",
    )
    byline = models.CharField(max_length=200, blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    tags = TaggableManager(through=TaggedArticle, blank=True)
    featured = models.BooleanField(
        default=False, help_text="The most recent featured article leads the newsroom page."
    )
    lead_image = models.OneToOneField(
        "images.Image",
        # An image an article shows cannot be deleted: its stored page would point at nothing.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        # One article's: its description changes only through that article's writes.
        related_name="article",
        help_text="The picture at the top of its page and on its cards, described for it.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A published article appears at this time; a future time schedules it. "
        "Left empty, publishing sets it to now.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by save() before the stored parts are rendered, which show it (not auto_now, which
    # would set it a moment later).
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    external_id = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text="The generation pipeline's id; imports update the article with this id.",
    )
    origin = models.CharField(
        max_length=20,
        choices=Origin.choices,
        default=Origin.HUMAN,
        help_text="Pipeline: generated by the pipeline. Assisted: a pipeline draft edited by "
        "people. Human: written by people. Pipeline and assisted articles carry a disclosure.",
    )
    pipeline_version = models.CharField(max_length=50, blank=True)
    sources_verified = models.BooleanField(
        default=False, help_text="Claims were checked against several independent sources."
    )
    fact_checked = models.BooleanField(default=False)
    quality_score = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="The pipeline's quality score, from 0 to 1.",
    )
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="", help_text="The body as plain text.")
    search_vector = SearchVectorField(null=True, editable=False)  # kept on PostgreSQL only
    word_count = models.PositiveIntegerField(editable=False, default=0)
    reading_time = models.PositiveSmallIntegerField(
        "reading time (minutes)", editable=False, default=1
    )
    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one each time the body changes."
    )
    # The article page's parts that are the same for every reader (articles/page_parts.py).
    head_html = models.TextField(
        editable=False, default="", help_text="The page's metadata and JSON-LD, as stored."
    )
    content_html = models.TextField(
        editable=False,
        default="",
        help_text="The page's article: header, disclosure, body, references and tags.",
    )
    related_card_html = models.TextField(
        editable=False,
        default="",
        help_text="Its card among the related articles of other articles' pages.",
    )
    render_version = models.CharField(
        max_length=64,
        editable=False,
        default="",
        help_text="The templates and settings the stored parts were rendered with.",
    )
    tag_ids = models.JSONField(
        editable=False,
        default=list,
        help_text="The ids of the article's tags when its parts were last stored.",
    )

    modified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When its last public change (correction, update…) was recorded; silent "
        "fixes leave it. Readers see it as “Updated”.",
    )
    retracted_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it was retracted: it leaves every list; its page stays, with the notice.",
    )
    reviewed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor approved it as it now reads; a later change by the pipeline "
        "clears it.",
    )
    held_gates = models.JSONField(
        editable=False,
        default=list,
        blank=True,
        help_text="The publication gates its last pipeline version failed, [{gate, message}]; "
        "publishing it needs an editor's recorded decision while any are listed.",
    )
    body_signature = models.BinaryField(
        null=True,
        editable=False,
        help_text="The MinHash signature of the body's word shingles, which the duplicate gate "
        "compares (articles/editorial/similarity.py); empty for a body without words.",
    )

    related_ids = models.JSONField(
        editable=False,
        null=True,
        default=None,
        help_text="The ids of its related articles, best first (articles/related.py); "
        "null until first ranked.",
    )

    objects = ArticleQuerySet.as_manager()

    PAGE_FIELDS = ("head_html", "content_html", "related_card_html", "render_version", "tag_ids")

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="article_published_idx"),
            models.Index(fields=["status", "-published_at"], name="article_status_published_idx"),
            models.Index(fields=["section", "-published_at"], name="article_section_published_idx"),
            GinIndex(fields=["search_vector"], name="article_search_vector_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(quality_score__isnull=True)
                | Q(quality_score__gte=0, quality_score__lte=1),
                name="article_quality_score_0_1",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def is_published(self):
        return self.is_readable() and self.retracted_at is None

    def is_readable(self):
        """Tell whether readers may open its page (published, or retracted since)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_retracted(self):
        return self.retracted_at is not None

    @property
    def publication_state(self):
        """The status as readers experience it: a published article in the future is scheduled,
        and a retracted one is retracted."""
        if self.is_retracted and self.status == self.Status.PUBLISHED:
            return "Retracted"
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_readable()

    @property
    def is_machine_made(self):
        return self.origin in (self.Origin.PIPELINE, self.Origin.ASSISTED)

    def provenance_claims(self):
        """Return what the disclosure may claim: only what the article's flags say."""
        claims = []
        if self.sources_verified:
            claims.append("multi-source verified")
        if self.fact_checked:
            claims.append("fact-checked")
        if self.quality_score is not None:
            claims.append("quality-scored")
        return claims


# Statuses readers can see (or could, once scheduled): only editors change these articles.
LIVE_STATUSES = (Article.Status.PUBLISHED, Article.Status.ARCHIVED)


def check_citations(body, reference_numbers):
    """Raise a ValidationError naming each cited number that has no reference."""
    missing = render_body(body).cited_numbers - set(reference_numbers)
    if missing:
        raise ValidationError(
            "The body cites %(numbers)s, but %(none)s.",
            code="missing_reference",
            params={
                "numbers": format_numbers(missing),
                "none": "there is no reference with that number"
                if len(missing) == 1
                else "there are no references with those numbers",
            },
        )


def uncited_numbers(body, reference_numbers):
    """Return the reference numbers the body never cites (allowed, but worth a warning)."""
    return set(reference_numbers) - render_body(body).cited_numbers
