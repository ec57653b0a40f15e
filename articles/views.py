from django.db.models import Count, Prefetch
from django.db.models.functions import TruncMonth
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)
from taggit.models import Tag

from articles import page_parts, share_cards
from articles.models import BODY_FIELDS, Article, Page, Section, tags_in_use, tags_with_counts
from articles.related import related_articles
from articles.search import (
    MAX_QUERY_LENGTH,
    Order,
    SearchPaginator,
    clean_query,
    parse_order,
    search,
    snippets,
)


class PublishedArticleListMixin:
    """Paginated cards of the articles a reader may see."""

    paginate_by = 20
    context_object_name = "articles"
    template_name = "articles/article_list.html"

    def get_queryset(self):
        return Article.objects.published().for_cards()


class ArticleListView(PublishedArticleListMixin, ListView):
    def get_queryset(self):
        # The lead story is computed on every page so that pages 2+ never repeat it.
        self.lead = self.get_lead()
        articles = super().get_queryset()
        return articles.exclude(pk=self.lead.pk) if self.lead else articles

    def get_lead(self):
        return super().get_queryset().order_by("-featured", "-published_at", "-pk").first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lead"] = self.lead if context["page_obj"].number == 1 else None
        context["is_home"] = True
        return context


class TagArticleListView(PublishedArticleListMixin, ListView):
    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class SectionArticleListView(PublishedArticleListMixin, ListView):
    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class SearchView(PublishedArticleListMixin, ListView):
    """Full-text search, most relevant or newest first; the section and tag filters narrow it."""

    template_name = "articles/search.html"
    results = None

    def get_queryset(self):
        self.query, self.query_shortened = clean_query(self.request.GET.get("q", ""))
        self.order = parse_order(self.request.GET.get("order", ""))
        self.section_filter = self.request.GET.get("section", "")
        self.tag_filter = self.request.GET.get("tag", "")
        if not self.query:
            return Article.objects.none()
        # Tags as a list of their own: read through each card's tag manager, twenty of them
        # cost more than the search's queries.
        articles = (
            Article.objects.published()
            .card_fields()
            .prefetch_related(Prefetch("tags", to_attr="shown_tags"))
        )
        if self.section_filter:
            articles = articles.filter(section__slug=self.section_filter)
        if self.tag_filter:
            articles = articles.filter(tags__slug=self.tag_filter)
        self.results = search(articles, self.query, self.order)
        return self.results.articles

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.results is None:
            return super().get_paginator(queryset, per_page, **kwargs)
        return SearchPaginator(self.results, per_page, open_ended=self.order == Order.NEWEST)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.results is not None:
            found = snippets(context["articles"], self.query)
            for article in context["articles"]:
                article.snippet = found.get(article.pk, "")
        context.update(
            query=self.query,
            query_shortened=self.query_shortened,
            max_query_length=MAX_QUERY_LENGTH,
            order=self.order,
            orders=Order.choices,
            results=self.results,
            section_filter=self.section_filter,
            tag_filter=self.tag_filter,
            sections=Section.objects.values_list("slug", "name"),
            tags=tags_in_use().values_list("slug", "name"),
        )
        return context


class PublishedDateArchiveMixin(PublishedArticleListMixin):
    date_field = "published_at"
    make_object_list = True
    month_format = "%m"
    template_name = "articles/article_archive.html"


class ArticleYearArchiveView(PublishedDateArchiveMixin, YearArchiveView):
    pass


class ArticleMonthArchiveView(PublishedDateArchiveMixin, MonthArchiveView):
    pass


class ArchiveIndexView(TemplateView):
    """Every month with published articles, newest first, with how many."""

    template_name = "articles/archive_index.html"

    def get_context_data(self, **kwargs):
        months = (
            Article.objects.published()
            .annotate(month=TruncMonth("published_at"))
            .values("month")
            .annotate(article_count=Count("pk"))
            .order_by("-month")
        )
        return super().get_context_data(months=months, **kwargs)


class TagIndexView(TemplateView):
    template_name = "articles/tag_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tags=tags_with_counts(), **kwargs)


class ArticleDetailView(DetailView):
    """An article: its stored parts (articles/page_parts.py), with what each request adds."""

    context_object_name = "article"

    def can_preview(self):
        return self.request.user.is_staff and self.request.user.has_perm("articles.view_article")

    def get_queryset(self):
        articles = Article.objects.all() if self.can_preview() else Article.objects.readable()
        # The page shows the body as stored in content_html; its related card is for others.
        return articles.defer(*BODY_FIELDS, "related_card_html")

    def get_object(self, queryset=None):
        article = super().get_object(queryset)
        if article.render_version != page_parts.render_version():
            page_parts.refresh(article)  # a deploy changed how pages look, or it has no parts yet
        return article

    def get_context_data(self, **kwargs):
        article = self.object
        return super().get_context_data(
            head=page_parts.at_origin(article.head_html, self.request),
            is_preview=not article.is_readable(),
            share_url=self.request.build_absolute_uri(article.get_absolute_url()),
            related_articles=related_articles(article),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            patch_cache_control(response, private=True, no_cache=True, no_store=True)
        else:
            response["Last-Modified"] = http_date(self.object.updated_at.timestamp())
        return response


class PageDetailView(DetailView):
    model = Page
    context_object_name = "page"


def methodology(request):
    """Show the editable "How our articles are made" page that every disclosure links to."""
    return PageDetailView.as_view()(request, slug=Page.METHODOLOGY_SLUG)


# How long an old card address may be remembered to redirect to the current card, which changes
# with the next edit of what the card shows.
CARD_REDIRECT_SECONDS = 3600


@require_safe
def article_share_card(request, slug, digest):
    """Serve the share card of a readable article (a retracted one's says so)."""
    article = get_object_or_404(
        Article.objects.readable()
        .select_related("section")
        .only("slug", "title", "retracted_at", "section__name"),
        slug=slug,
    )
    return share_card_response(*share_cards.article_card_and_path(article), digest)


@require_safe
def section_share_card(request, slug, digest):
    section = get_object_or_404(Section, slug=slug)
    return share_card_response(*share_cards.listing_card_and_path(section=section), digest)


@require_safe
def tag_share_card(request, slug, digest):
    tag = get_object_or_404(Tag, slug=slug)
    return share_card_response(*share_cards.listing_card_and_path(tag=tag), digest)


@require_safe
def site_share_card(request, digest):
    return share_card_response(*share_cards.listing_card_and_path(), digest)


def share_card_response(card, path, digest):
    """Serve `card` if `digest` is its current one, else redirect to its current address."""
    if digest != card.digest:
        response = HttpResponsePermanentRedirect(path)
        patch_cache_control(response, public=True, max_age=CARD_REDIRECT_SECONDS)
        return response
    response = HttpResponse(share_cards.png(card), content_type=share_cards.CONTENT_TYPE)
    # The address names this one image (share_cards: its digest), so it never changes.
    patch_cache_control(response, public=True, max_age=31_536_000, immutable=True)
    return response
