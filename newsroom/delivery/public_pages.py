"""Which URLs are public pages (the same for every reader, so cached and shared), and which
lists each one is, besides the articles, sections, tags and pages it shows (see `shown`)."""

from django.urls import Resolver404, resolve
from taggit.models import Tag

from articles import changes, related
from articles.models import Article, Section


def all_articles(shown):
    return {changes.ALL_ARTICLES}


def sitemap(shown):
    # Each entry's last change is shown, and a section's is its newest article's.
    return {changes.ALL_ARTICLES, changes.ANY_ARTICLE}


def search_results(shown):
    return {changes.ALL_ARTICLES, changes.SEARCH}


def section_list(shown):
    section = shown.named.get(Section)
    return {changes.section_list_key(section.pk)} if section else set()


def tag_list(shown):
    tag = shown.named.get(Tag)
    return {changes.tag_list_key(tag.pk)} if tag else set()


def related_lists(shown):
    """An article's page shows its section's and tags' names (in its stored parts) and its
    stored related articles, filled from its section's latest when too few can be shown."""
    article = shown.named.get(Article)
    if article is None:
        return set()
    keys = {changes.section_key(article.section_id), changes.related_key(article.pk)}
    keys |= {changes.tag_key(pk) for pk in article.tag_ids}
    # Those not shown yet (scheduled, or taken offline) too: the page changes when they go live.
    listed = {changes.article_key(pk) for pk in article.related_ids or ()}
    keys |= listed
    # The page loaded the listed articles it shows; the section's latest fill the rest.
    if len(listed & shown.keys[Article]) < related.RELATED_LIMIT:
        keys.add(changes.section_list_key(article.section_id))
    return keys


def change_log(shown):
    return {changes.CHANGE_LOG}


def no_list(shown):
    return set()


# URL name → the lists the page is, given what it showed.
PUBLIC_PAGES = {
    "articles:list": all_articles,
    "articles:detail": related_lists,
    "articles:tags": all_articles,
    "articles:tag": tag_list,
    "articles:section": section_list,
    "articles:search": search_results,
    "articles:archive": all_articles,
    "articles:archive_year": all_articles,
    "articles:archive_month": all_articles,
    "articles:corrections": change_log,
    "articles:corrections_rss": change_log,
    "articles:corrections_atom": change_log,
    "articles:methodology": no_list,
    "articles:page": no_list,
    "articles:feed_rss": all_articles,
    "articles:feed_atom": all_articles,
    "articles:section_feed_rss": section_list,
    "articles:section_feed_atom": section_list,
    "articles:tag_feed_rss": tag_list,
    "articles:tag_feed_atom": tag_list,
    "sitemap": sitemap,
    "news_sitemap": sitemap,
    "robots": no_list,
}

# Public files whose address names their content (share cards: articles/share_cards.py). They
# never change, so readers and edges keep them for a year, and the page cache leaves them be.
IMMUTABLE_FILES = frozenset(
    {
        "articles:share_card",
        "articles:section_share_card",
        "articles:tag_share_card",
        "articles:site_share_card",
    }
)


def public_page(request):
    """Return (URL name, URL's slug or None) if the request is for a public page, else None."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in PUBLIC_PAGES:
        return None
    return match.view_name, match.kwargs.get("slug")


def content_keys(view_name, shown) -> set[str]:
    """Every key a public page shows: what it loaded, the lists it is, and the whole site."""
    return {changes.SITE, *shown.content_keys(), *PUBLIC_PAGES[view_name](shown)}
