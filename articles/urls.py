from django.urls import path

from articles import feeds, views
from articles.editorial import feeds as change_feeds
from articles.editorial import views as change_views
from newsroom import converters  # noqa: F401  (registers <unicode_slug:…>, <card_digest:…>)

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path(
        "articles/<unicode_slug:slug>/",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    # Share cards (articles/share_cards.py): an article's, a section's, a tag's, the site's.
    path(
        "articles/<unicode_slug:slug>/share-card-<card_digest:digest>.png",
        views.article_share_card,
        name="share_card",
    ),
    path(
        "sections/<unicode_slug:slug>/share-card-<card_digest:digest>.png",
        views.section_share_card,
        name="section_share_card",
    ),
    path(
        "tags/<unicode_slug:slug>/share-card-<card_digest:digest>.png",
        views.tag_share_card,
        name="tag_share_card",
    ),
    path("share-card-<card_digest:digest>.png", views.site_share_card, name="site_share_card"),
    path("tags/", views.TagIndexView.as_view(), name="tags"),
    path("tags/<unicode_slug:slug>/", views.TagArticleListView.as_view(), name="tag"),
    path(
        "sections/<unicode_slug:slug>/",
        views.SectionArticleListView.as_view(),
        name="section",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive"),
    path(
        "archive/<int:year>/",
        views.ArticleYearArchiveView.as_view(),
        name="archive_year",
    ),
    path(
        "archive/<int:year>/<int:month>/",
        views.ArticleMonthArchiveView.as_view(),
        name="archive_month",
    ),
    path("corrections/", change_views.PublicChangeListView.as_view(), name="corrections"),
    path("corrections/rss/", change_feeds.PublicChangeFeed(), name="corrections_rss"),
    path("corrections/atom/", change_feeds.PublicChangeAtomFeed(), name="corrections_atom"),
    path("how-it-works/", views.methodology, name="methodology"),
    path("pages/<unicode_slug:slug>/", views.PageDetailView.as_view(), name="page"),
    # Feeds: RSS 2.0 and Atom, for everything and for each section and tag
    path("feeds/rss/", feeds.LatestRssFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path(
        "sections/<unicode_slug:slug>/rss/",
        feeds.SectionRssFeed(),
        name="section_feed_rss",
    ),
    path(
        "sections/<unicode_slug:slug>/atom/",
        feeds.SectionAtomFeed(),
        name="section_feed_atom",
    ),
    path("tags/<unicode_slug:slug>/rss/", feeds.TagRssFeed(), name="tag_feed_rss"),
    path("tags/<unicode_slug:slug>/atom/", feeds.TagAtomFeed(), name="tag_feed_atom"),
]
