"""The article list: a title with what it is about, its date, its stage and how helpful readers
found it, without the columns only the article page reads."""

from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.editorial import desk
from articles.models import Article
from feedback.stats import helpful_share, wilson_lower_bound_expression


class ArticleChangeList(ChangeList):
    """The article list, without the columns only the article page (or search) reads."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).card_fields()


class StageFilter(admin.SimpleListFilter):
    """The stages the editors' desk lists (articles/editorial/desk.py), for its links here."""

    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return list(desk.STAGE_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in desk.STAGE_LABELS:
            return queryset.filter(desk.stage_condition(self.value()))
        return queryset


class ArticleListColumns:
    """The article list's columns, filters and queryset, for ArticleAdmin."""

    # get_list_display links the title column to each change form.
    list_display = ["title", "published", "stage", "helpfulness"]
    list_display_links = None
    list_filter = [
        "status",
        StageFilter,
        "section",
        "origin",
        "featured",
        "tags",
        "published_at",
    ]
    list_select_related = ["section"]

    def get_queryset(self, request):
        # distinct: a tag filter's join must not count a vote twice
        return (
            super()
            .get_queryset(request)
            .annotate(
                votes_yes=Count("votes", filter=Q(votes__helpful=True), distinct=True),
                votes_no=Count("votes", filter=Q(votes__helpful=False), distinct=True),
                votes_total=Count("votes", distinct=True),
            )
            .annotate(helpfulness=wilson_lower_bound_expression("votes_yes", "votes_total"))
            .order_by(*Article._meta.ordering)  # a GROUP BY query drops the model's ordering
        )

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_list_display(self, request):
        """Show each title as a link to its change form (which leads back to the list as
        filtered), with its section, origin and quality score under it."""
        preserved = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}

        @admin.display(description="Article", ordering="title")
        def article(article):
            url = reverse("admin:articles_article_change", args=[article.pk])
            about = [article.section.name, article.get_origin_display()]
            if article.quality_score is not None:
                about.append(f"quality {article.quality_score:g}")
            return format_html(
                '<a class="article-title" href="{}" title="{}">{}</a>'
                '<span class="article-about">{}</span>',
                add_preserved_filters(preserved, url),
                article.title,
                article.title,
                " · ".join(about),
            )

        return [article, *self.list_display[1:]]

    @admin.display(description="Date", ordering=F("published_at").asc(nulls_last=True))
    def published(self, article):
        if article.published_at is None:
            return mark_safe('<span class="article-undated">not dated</span>')
        moment = timezone.localtime(article.published_at)
        return format_html(
            '<time datetime="{}">{} <span class="article-time">{}</span></time>',
            moment.isoformat(),
            date_format(moment, "M j, Y"),
            time_format(moment, "P"),
        )

    @admin.display(description="Status", ordering="status")
    def stage(self, article):
        name, label = desk.stage(article)
        note = ""
        if name == "held":
            note = ", ".join(failure["gate"] for failure in article.held_gates)
        elif article.reviewed_at is not None and name != "approved":
            note = "reviewed"
        return format_html(
            '<span class="stage-pill stage-{}">{}</span>{}',
            name,
            label,
            format_html('<span class="stage-note">{}</span>', note) if note else "",
        )

    @admin.display(description="Found helpful", ordering=F("helpfulness").asc(nulls_last=True))
    def helpfulness(self, article):
        if not article.votes_total:
            return mark_safe('<span class="article-unvoted">no votes</span>')
        return helpful_share(article.votes_yes, article.votes_total)
