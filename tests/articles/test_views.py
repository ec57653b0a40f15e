import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Page
from articles.roles import PIPELINE
from articles.services import article_update, section_save, tag_merge
from tests.conftest import reference

HOUR = dt.timedelta(hours=1)


def ago(hours):
    return timezone.now() - hours * HOUR


def positions_in_order(html, markers):
    """Return True when every marker occurs in the HTML, in the order given."""
    missing = [marker for marker in markers if marker not in html]
    assert not missing, f"not on the page: {missing}"
    position = 0
    for marker in markers:
        found = html.find(marker, position)
        assert found != -1, f"{marker!r} is not after the markers before it"
        position = found + len(marker)
    return True


# The listing


def test_listing_leads_with_the_most_recent_featured_article(client, make_article):
    make_article(title="Newest", published_at=ago(1))
    make_article(title="Featured older", featured=True, published_at=ago(5))
    make_article(title="Featured oldest", featured=True, published_at=ago(9))
    response = client.get("/")
    assert response.context["lead"].title == "Featured older"
    titles = [article.title for article in response.context["articles"]]
    assert titles == ["Newest", "Featured oldest"]


def test_listing_leads_with_the_most_recent_article_when_none_is_featured(client, make_article):
    make_article(title="Older", published_at=ago(3))
    make_article(title="Newest", published_at=ago(1))
    response = client.get("/")
    assert response.context["lead"].title == "Newest"
    assert [a.title for a in response.context["articles"]] == ["Older"]


def test_listing_card_shows_section_tags_title_dek_byline_date_and_reading_time(
    client, make_article, make_section
):
    section = make_section(name="Research", slug="research")
    make_article(
        title="A card",
        dek="The card's dek.",
        byline="Jane Doe",
        section=section,
        tags=["Models"],
        published_at=timezone.make_aware(dt.datetime(2026, 4, 7, 12)),
    )
    html = client.get("/").content.decode()
    for text in ["Research", "Models", "A card", "The card’s dek.", "Jane Doe", "April 7, 2026"]:
        assert text.replace("’", "&#x27;") in html or text in html
    assert "1 min read" in html


def test_listing_hides_unpublished_articles(client, make_article):
    make_article(title="Visible")
    make_article(title="A draft", status=Article.Status.DRAFT)
    make_article(title="In review", status=Article.Status.IN_REVIEW)
    make_article(title="Archived", status=Article.Status.ARCHIVED)
    make_article(title="Scheduled", published_at=timezone.now() + HOUR)
    html = client.get("/").content.decode()
    assert "Visible" in html
    for hidden in ["A draft", "In review", "Archived", "Scheduled"]:
        assert hidden not in html


def test_listing_paginates_twenty_a_page_without_repeating_the_lead(client, make_article):
    for hours in range(1, 43):  # the lead plus 41: pages of 20, 20 and 1
        make_article(title=f"Story {hours:02d}", published_at=ago(hours))
    first = client.get("/")
    assert first.context["lead"].title == "Story 01"
    assert len(first.context["articles"]) == 20
    second = client.get("/?page=2")
    assert second.context["lead"] is None
    assert [a.title for a in second.context["articles"]][0] == "Story 22"
    third = client.get("/?page=3")
    assert [a.title for a in third.context["articles"]] == ["Story 42"]
    assert 'rel="prev"' in third.content.decode()


@pytest.mark.parametrize("page", ["4", "0", "abc", "-1"])
def test_listing_page_out_of_range_is_404(client, make_article, page):
    make_article()
    assert client.get(f"/?page={page}").status_code == 404


def test_empty_listing_has_a_friendly_message(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing published here yet" in response.content.decode()


def test_tag_page_lists_only_published_articles_with_that_tag(client, make_article):
    make_article(title="Tagged", tags=["Open models"])
    make_article(title="Other tag", tags=["Policy"])
    make_article(title="Tagged draft", tags=["Open models"], status=Article.Status.DRAFT)
    response = client.get("/tags/open-models/")
    assert response.status_code == 200
    assert [a.title for a in response.context["articles"]] == ["Tagged"]
    assert "<h1>Open models</h1>" in response.content.decode()


def test_section_page_lists_its_articles_and_description(client, make_article, make_section):
    section = make_section(name="Tools", slug="tools", description="Software for newsrooms.")
    make_article(title="In tools", section=section)
    make_article(title="Elsewhere")
    response = client.get("/sections/tools/")
    assert [a.title for a in response.context["articles"]] == ["In tools"]
    html = response.content.decode()
    assert "Software for newsrooms." in html
    assert 'aria-current="page">Tools</a>' in html


def test_section_page_without_articles_shows_empty_state(client, make_section):
    make_section(name="Empty", slug="empty")
    response = client.get("/sections/empty/")
    assert response.status_code == 200
    assert "Nothing published here yet" in response.content.decode()


@pytest.mark.parametrize("url", ["/tags/no-such-tag/", "/sections/no-such-section/"])
def test_unknown_tag_or_section_is_404(client, db, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("articles:list", {}, "/"),
        ("articles:detail", {"slug": "a-story"}, "/articles/a-story/"),
        ("articles:tag", {"slug": "ai"}, "/tags/ai/"),
        ("articles:section", {"slug": "tools"}, "/sections/tools/"),
        ("articles:methodology", {}, "/how-it-works/"),
    ],
)
def test_urls_reverse_and_resolve(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path
    assert resolve(path).view_name == name


# The article page


@pytest.fixture
def full_article(make_article, make_section):
    section = make_section(name="Research", slug="research")
    return make_article(
        title="Transformers at nine",
        dek="How one architecture took over.",
        byline="Daily Neural Digest Team",
        section=section,
        tags=["Transformers", "History"],
        published_at=timezone.make_aware(dt.datetime(2026, 4, 7, 9, 30)),
        origin=Article.Origin.PIPELINE,
        sources_verified=True,
        fact_checked=True,
        quality_score=0.9,
        body="## The start\n\nAttention is all you need [1]. Later work [2, 3].\n\n"
        + "word " * 1341,
        references=[
            reference(1, publisher="arXiv", title="Attention Is All You Need"),
            reference(2),
            reference(3),
        ],
    )


def test_article_page_shows_every_element_in_order(client, full_article):
    response = client.get(full_article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert positions_in_order(
        html,
        [
            "← Back to Newsroom",
            'class="badge badge--section" href="/sections/research/">Research',
            'href="/tags/transformers/">Transformers',
            "<h1",
            "Transformers at nine",
            "How one architecture took over.",
            "By Daily Neural Digest Team",
            "April 7, 2026",
            "7 min read",
            "1,350 words",
            "This article was generated by Newsroom’s autonomous pipeline — multi-source "
            "verified, fact-checked, and quality-scored.",
            'href="/how-it-works/">Learn how it works',
            '<h2 id="the-start">The start</h2>',
            '<a href="#ref-1" title="Attention Is All You Need"',
            '<li id="ref-1"',
            '[1]</span>\n      <span class="reference-list__source">arXiv — '
            "<cite>Attention Is All You Need</cite> —",
            'href="https://example.org/source-1"',
            'id="tags-heading"',
            'id="share-heading"',
        ],
    )


def test_share_links_carry_the_article_url_and_use_no_third_party_script(client, full_article):
    html = client.get(full_article.get_absolute_url()).content.decode()
    encoded = "http%3A%2F%2Ftestserver%2Farticles%2F" + full_article.slug
    for prefix in [
        "https://x.com/intent/post?url=",
        "https://www.linkedin.com/sharing/share-offsite/?url=",
        "https://www.reddit.com/submit?url=",
        "https://news.ycombinator.com/submitlink?u=",
    ]:
        assert prefix + encoded in html
    assert "mailto:?subject=" in html
    assert 'data-copy-url="http://testserver/articles/' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts.count('<script type="application/ld+json">') == 2  # data, never run
    assert [s for s in scripts if "ld+json" not in s] == ['<script src="/static/js/site.js" defer>']


def test_disclosure_names_only_the_checks_the_article_passed(client, make_article):
    article = make_article(origin=Article.Origin.PIPELINE, fact_checked=True)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "autonomous pipeline — fact-checked." in html
    assert "multi-source verified" not in html
    assert "quality-scored" not in html


def test_human_article_has_no_disclosure(client, make_article):
    article = make_article(origin=Article.Origin.HUMAN, fact_checked=True)
    assert "autonomous pipeline" not in client.get(article.get_absolute_url()).content.decode()


def test_disclosure_uses_the_configured_site_name(client, make_article, settings):
    settings.NEWSROOM_SITE_NAME = "Daily Neural Digest"
    article = make_article(origin=Article.Origin.PIPELINE)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "generated by Daily Neural Digest’s autonomous pipeline." in html


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.IN_REVIEW},
        {"status": Article.Status.ARCHIVED},
        {"published_at": timezone.now() + dt.timedelta(days=2)},
    ],
)
def test_unpublished_article_is_404_for_readers_and_preview_for_staff(
    client, editor, make_article, overrides
):
    article = make_article(**overrides)
    assert client.get(article.get_absolute_url()).status_code == 404
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview — not published." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_published_article_has_no_preview_banner_for_staff(editor_client, make_article):
    article = make_article()
    assert "Preview" not in editor_client.get(article.get_absolute_url()).content.decode()


def test_staff_without_view_permission_cannot_preview(client, django_user_model, make_article):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(django_user_model.objects.create_user("intern", is_staff=True))
    assert client.get(article.get_absolute_url()).status_code == 404


# Related articles


def test_related_articles_rank_by_shared_tags_then_section_then_recency(
    client, make_article, make_section
):
    home, other = make_section(), make_section()
    article = make_article(section=home, tags=["a", "b", "c"])
    two_tags = make_article(title="Two tags", section=other, tags=["a", "b"], published_at=ago(9))
    one_tag_same_section = make_article(
        title="One tag, same section", section=home, tags=["c"], published_at=ago(8)
    )
    one_tag_newer = make_article(title="One tag newer", section=other, tags=["a"])
    one_tag_older = make_article(
        title="One tag older", section=other, tags=["b"], published_at=ago(7)
    )
    make_article(title="Fifth", section=other, tags=["c"], published_at=ago(20))
    make_article(title="Unrelated", section=other, tags=["z"])
    make_article(title="Draft", section=home, tags=["a", "b", "c"], status=Article.Status.DRAFT)
    related = client.get(article.get_absolute_url()).context["related_articles"]
    assert related == [two_tags, one_tag_same_section, one_tag_newer, one_tag_older]


def test_related_ranking_looks_only_at_the_newest_articles_of_its_tags(
    client, make_article, monkeypatch
):
    monkeypatch.setattr("articles.related.RELATED_CANDIDATES", 2)
    old_match = make_article(title="Old, both tags", tags=["a", "b"])
    newer = [make_article(title=f"Newer {n}", tags=["a"]) for n in range(2)]
    article = make_article(tags=["a", "b"])
    related = client.get(article.get_absolute_url()).context["related_articles"]
    assert old_match not in related and set(newer) <= set(related)


def test_related_falls_back_to_recent_articles_of_the_same_section(
    client, make_article, make_section
):
    home, other = make_section(), make_section()
    article = make_article(section=home, tags=["lonely"])
    older = make_article(section=home, published_at=ago(5))
    newer = make_article(section=home, published_at=ago(2))
    make_article(section=other)
    related = client.get(article.get_absolute_url()).context["related_articles"]
    assert related == [newer, older]


def test_related_shows_at_most_four_when_the_section_has_more(client, make_article, make_section):
    section = make_section()
    article = make_article(section=section, tags=["lonely"])
    others = [
        make_article(title=f"Neighbour {n}", section=section, published_at=ago(n))
        for n in range(2, 8)
    ]
    html = client.get(article.get_absolute_url()).content.decode()
    start = html.index('id="related-heading"')
    related = html[start : html.index("</section>", start)]
    assert related.count('<article class="card') == 4
    for shown in others[:4]:
        assert f">{shown.title}</a>" in related
    assert others[4].title not in related


def test_related_cards_link_to_the_article_and_its_section(client, make_article, make_section):
    section = make_section(name="Climate")
    article = make_article(section=section, tags=["ice"])
    related = make_article(title="Glaciers retreat", dek="Faster than modelled.", tags=["ice"])
    html = client.get(article.get_absolute_url()).content.decode()
    cards = html[html.index('id="related-heading"') :]
    assert f'href="{related.get_absolute_url()}">Glaciers retreat</a>' in cards
    assert "Faster than modelled." in cards
    assert f'href="{related.section.get_absolute_url()}">{related.section.name}</a>' in cards
    published_at = timezone.localtime(related.published_at)  # as readers see it
    assert f'<time datetime="{published_at.isoformat()}">' in cards
    assert f"{published_at:%B} {published_at.day}, " in cards


def test_related_articles_follow_changes_to_the_other_articles(editor_client, make_article):
    reader = Client()
    article = make_article(tags=["ice"])
    other = make_article(title="Glaciers retreat", tags=["ice"])
    assert "Glaciers retreat" in reader.get(article.get_absolute_url()).content.decode()
    other.title = "Glaciers retreat faster"
    article_update(actor=PIPELINE, article=other)
    assert "Glaciers retreat faster" in reader.get(article.get_absolute_url()).content.decode()
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish", "_selected_action": [other.pk]},
    )
    assert "Glaciers retreat" not in reader.get(article.get_absolute_url()).content.decode()
    make_article(title="Sea ice thins", tags=["ice"])
    assert "Sea ice thins" in reader.get(article.get_absolute_url()).content.decode()


def test_a_new_article_enters_the_related_articles_of_the_articles_it_relates_to(
    client, make_article, make_section
):
    section = make_section()
    article = make_article(section=section, tags=["ice", "sea"])
    before = client.get(article.get_absolute_url()).context["related_articles"]
    assert before == []  # nothing shares a tag, and nothing else is in its section
    newer = make_article(title="Sea ice thins", section=make_section(), tags=["sea"])
    assert client.get(article.get_absolute_url()).context["related_articles"] == [newer]
    assert client.get(newer.get_absolute_url()).context["related_articles"] == [article]


def test_an_article_that_changes_tags_leaves_the_related_articles_it_no_longer_fits(
    client, make_article, make_section
):
    article = make_article(section=make_section(), tags=["ice"])
    other = make_article(title="Glaciers retreat", section=make_section(), tags=["ice"])
    assert client.get(article.get_absolute_url()).context["related_articles"] == [other]
    article_update(actor=PIPELINE, article=other, tags=["football"])
    assert client.get(article.get_absolute_url()).context["related_articles"] == []


def test_related_articles_stored_by_no_write_are_ranked_when_first_shown(
    client, make_article, make_section
):
    section = make_section()
    article = make_article(section=section, tags=["ice"])
    others = [make_article(section=make_section(), tags=["ice"]) for _ in range(2)]
    Article.objects.update(related_ids=None)  # as after the migration that added the lists
    related = client.get(article.get_absolute_url()).context["related_articles"]
    assert related == others[::-1]
    article.refresh_from_db()
    assert article.related_ids == [other.pk for other in others[::-1]]


def test_merging_tags_ranks_the_related_articles_of_the_articles_again(
    client, editor, make_article, make_section
):
    article = make_article(section=make_section(), tags=["sea ice"])
    other = make_article(title="Arctic melt", section=make_section(), tags=["sea-ice"])
    assert client.get(article.get_absolute_url()).context["related_articles"] == []
    merged, into = Tag.objects.get(name="sea-ice"), Tag.objects.get(name="sea ice")
    tag_merge(actor=editor, tags=[merged], into=into)
    assert client.get(article.get_absolute_url()).context["related_articles"] == [other]


def test_related_cards_rendered_by_an_earlier_release_are_rendered_again(client, make_article):
    article = make_article(tags=["ice"])
    other = make_article(title="Glaciers retreat", tags=["ice"])
    Article.objects.filter(pk=other.pk).update(
        related_card_html="<p>A card from the last release</p>", render_version="last-release"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "A card from the last release" not in html
    assert f'href="{other.get_absolute_url()}">Glaciers retreat</a>' in html
    assert "A card from the last release" not in Article.objects.get(pk=other.pk).related_card_html


def test_related_cards_show_a_renamed_section(client, editor, make_article, make_section):
    article = make_article(tags=["ice"])
    section = make_section(name="Climat")
    make_article(title="Glaciers retreat", section=section, tags=["ice"])

    def related_cards():
        html = client.get(article.get_absolute_url()).content.decode()
        return html[html.index('id="related-heading"') :]

    assert ">Climat</a>" in related_cards()
    section.name = "Climate"
    section_save(actor=editor, section=section)
    assert ">Climate</a>" in related_cards()


def test_article_with_nothing_related_shows_no_related_section(client, make_article):
    article = make_article()
    assert "Related articles" not in client.get(article.get_absolute_url()).content.decode()


# Query budgets: constant whatever the number of articles, tags, references, related


def build_newsroom(make_article, make_section, *, articles, tags, references):
    section = make_section()
    names = [f"tag-{n}" for n in range(tags)]
    built = [
        make_article(
            section=section,
            tags=names,
            body="Text " + " ".join(f"[{n}]" for n in range(1, references + 1)),
            references=[reference(n) for n in range(1, references + 1)],
            published_at=ago(index + 1),
        )
        for index in range(articles)
    ]
    return built[0]


@pytest.mark.parametrize(("articles", "tags", "references"), [(2, 1, 1), (25, 6, 8)])
def test_listing_query_count_is_constant(
    client, make_article, make_section, django_assert_num_queries, articles, tags, references
):
    build_newsroom(make_article, make_section, articles=articles, tags=tags, references=references)
    # lead + its tags, count, page + its tags, section navigation
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("articles", "tags", "references", "queries"),
    [
        # the article with its stored parts and related articles' ids; their cards; the
        # section navigation
        (8, 6, 8, 3),
        (60, 6, 8, 3),
        # and the section's latest articles, when too few share a tag
        (2, 1, 1, 4),
    ],
)
def test_article_page_without_the_page_cache_reads_the_stored_article(
    client,
    make_article,
    make_section,
    django_assert_num_queries,
    settings,
    articles,
    tags,
    references,
    queries,
):
    settings.PAGE_CACHE_SECONDS = 0
    article = build_newsroom(
        make_article, make_section, articles=articles, tags=tags, references=references
    )
    with django_assert_num_queries(queries):
        html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('<li id="ref-') == references
    assert html.count('<article class="card') == min(4, articles - 1)


def test_article_without_tags_reads_only_its_sections_latest_for_related_articles(
    client, make_article, make_section, django_assert_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    section = make_section()
    article = make_article(section=section)
    neighbour = make_article(section=section, title="Next door", published_at=ago(2))
    # the article, the section's latest articles, the section navigation
    with django_assert_num_queries(3):
        html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{neighbour.get_absolute_url()}">Next door</a>' in html


@pytest.mark.parametrize("url", ["/tags/tag-0/", "/sections/{section}/"])
def test_tag_and_section_query_count_is_constant(
    client, make_article, make_section, django_assert_num_queries, url
):
    article = build_newsroom(make_article, make_section, articles=25, tags=5, references=3)
    url = url.format(section=article.section.slug)
    # tag or section, count, page + its tags, section navigation
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["articles"]) == 20


# The methodology page


def test_methodology_page_shows_the_editable_page(client, db):
    Page.objects.update_or_create(
        slug="how-it-works",
        defaults={
            "title": "How it works",
            "body": "## Our method\n\nWe check.\n\n"
            "<script>alert(1)</script><p onclick='x()'>Hi</p>",
        },
    )
    html = client.get("/how-it-works/").content.decode()
    assert '<h1 id="page-title">How it works</h1>' in html
    assert '<h2 id="our-method">Our method</h2>' in html
    assert "<script>alert" not in html and "<p onclick" not in html


def test_other_pages_live_under_pages(client, db):
    page = Page.objects.create(slug="corrections", title="Corrections policy", body="We fix.")
    assert page.get_absolute_url() == "/pages/corrections/"
    assert "Corrections policy" in client.get("/pages/corrections/").content.decode()
    assert client.get("/pages/nothing-here/").status_code == 404


def test_article_page_never_renders_markdown(client, make_article, monkeypatch):
    article = make_article(
        body="## Stored\n\nRendered once, at save [1].", references=[reference(1)]
    )

    def fail(*args, **kwargs):
        raise AssertionError("Markdown rendered during a page view")

    monkeypatch.setattr("articles.models.render_body", fail)
    response = client.get(article.get_absolute_url())
    assert '<h2 id="stored">Stored</h2>' in response.content.decode()
