from django.urls import path

from articles import feeds, views
from articles.page_cache import public_page
from feedback.voters import COOKIE_NAME as VOTER_COOKIE
from newsroom import converters  # noqa: F401  (registers <unicode_slug:…>)

app_name = "articles"

urlpatterns = [
    path("", public_page(views.ArticleListView.as_view()), name="list"),
    path(
        "articles/<unicode_slug:slug>/",
        # The page shows the reader's own answer to "Was this article helpful?".
        public_page(views.ArticleDetailView.as_view(), personalised_by=[VOTER_COOKIE]),
        name="detail",
    ),
    path("tags/", public_page(views.TagIndexView.as_view()), name="tags"),
    path("tags/<unicode_slug:slug>/", public_page(views.TagArticleListView.as_view()), name="tag"),
    path(
        "sections/<unicode_slug:slug>/",
        public_page(views.SectionArticleListView.as_view()),
        name="section",
    ),
    path("search/", public_page(views.SearchView.as_view()), name="search"),
    path("archive/", public_page(views.ArchiveIndexView.as_view()), name="archive"),
    path(
        "archive/<int:year>/",
        public_page(views.ArticleYearArchiveView.as_view()),
        name="archive_year",
    ),
    path(
        "archive/<int:year>/<int:month>/",
        public_page(views.ArticleMonthArchiveView.as_view()),
        name="archive_month",
    ),
    path("how-it-works/", public_page(views.methodology), name="methodology"),
    path("pages/<unicode_slug:slug>/", public_page(views.PageDetailView.as_view()), name="page"),
    # Feeds: RSS 2.0 and Atom, for everything and for each section and tag
    path("feeds/rss/", public_page(feeds.LatestRssFeed()), name="feed_rss"),
    path("feeds/atom/", public_page(feeds.LatestAtomFeed()), name="feed_atom"),
    path(
        "sections/<unicode_slug:slug>/rss/",
        public_page(feeds.SectionRssFeed()),
        name="section_feed_rss",
    ),
    path(
        "sections/<unicode_slug:slug>/atom/",
        public_page(feeds.SectionAtomFeed()),
        name="section_feed_atom",
    ),
    path("tags/<unicode_slug:slug>/rss/", public_page(feeds.TagRssFeed()), name="tag_feed_rss"),
    path("tags/<unicode_slug:slug>/atom/", public_page(feeds.TagAtomFeed()), name="tag_feed_atom"),
]
