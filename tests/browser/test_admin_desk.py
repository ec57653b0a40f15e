"""The editors' start page and article list in Chromium: they fit the window without sideways
scrolling, show what an editor scans for at a glance, and pass axe in light and dark."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article

DESK = "/admin/"
ARTICLES = "/admin/articles/article/"
# What the list shows of each article, by the column (or the part of it) that shows it.
AT_A_GLANCE = {
    "title": "td.field-article .article-title",
    "section": "td.field-article .article-about",
    "date": "td.field-published",
    "status and review": "td.field-stage .stage-pill",
    "helpfulness": "td.field-helpfulness",
}


@pytest.fixture
def editor_page(page, live_server, demo_newsroom, settings):
    """Log in as the demo editor, with an article in review and one held by the gates."""
    demo = Article.objects.filter(external_id__startswith="demo-").order_by("pk")
    Article.objects.filter(pk=demo[0].pk).update(status="in_review", updated_at=timezone.now())
    held = [{"gate": "references", "message": "It has 1 reference; at least 2 are needed."}]
    Article.objects.filter(pk=demo[1].pk).update(status="in_review", held_gates=held)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(settings.DEMO_EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + DESK)
    return page


def sideways_overflow(page) -> int:
    """Return how many pixels the page is wider than the window."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_article_list_fits_and_shows_everything_at_a_glance(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + ARTICLES)
    assert sideways_overflow(page) <= 0
    table, container = page.evaluate(
        "() => { const table = document.querySelector('#result_list');"
        " return [table.getBoundingClientRect().width, table.parentElement.clientWidth]; }"
    )
    assert table <= container
    first_row = page.locator("#result_list tbody tr").first
    for what, selector in AT_A_GLANCE.items():
        box = first_row.locator(selector).bounding_box()
        assert box is not None, what
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, what
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900, what
    for header in ("Article", "Date", "Status", "Found helpful"):
        box = page.locator("#result_list thead th", has_text=header).bounding_box()
        assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 900, header


def test_titles_take_two_lines_at_most(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + ARTICLES)
    heights = page.eval_on_selector_all(
        "#result_list .article-title",
        "titles => titles.map(title => title.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(title).lineHeight))",
    )
    assert heights and max(heights) <= 2.05


def test_the_start_page_shows_what_needs_attention_above_the_apps(editor_page, live_server):
    page = editor_page
    desk = page.locator(".desk")
    apps = page.locator("#content-main")
    assert desk.bounding_box()["y"] < apps.bounding_box()["y"]
    held = page.locator("#tray-held")
    assert held.locator(".desk-count").inner_text() == "1"
    held_article = Article.objects.exclude(held_gates=[]).get()
    held.locator("li a").first.click()
    expect(page).to_have_url(f"{live_server.url}/admin/articles/article/{held_article.pk}/change/")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_start_page_and_the_list_pass_axe(
    editor_page, live_server, axe_violations, color_scheme
):
    page = editor_page
    page.emulate_media(color_scheme=color_scheme)
    for path in (DESK, ARTICLES):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path


@pytest.mark.parametrize("path", [DESK, ARTICLES])
def test_narrower_windows_do_not_scroll_sideways(editor_page, live_server, path):
    page = editor_page
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(live_server.url + path)
    assert sideways_overflow(page) <= 0
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + path)
    assert sideways_overflow(page) <= 0


def test_on_a_phone_each_article_shows_its_title_and_all_it_is_listed_with(
    editor_page, live_server, axe_violations
):
    page = editor_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + ARTICLES)
    assert sideways_overflow(page) <= 0
    first_row = page.locator("#result_list tbody tr").first
    for what, selector in AT_A_GLANCE.items():
        box = first_row.locator(selector).bounding_box()
        assert box is not None and box["width"] > 0, what
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, what
    assert first_row.locator(".article-title").bounding_box()["width"] >= 250
    assert first_row.bounding_box()["height"] <= 160  # a card, not a column of letters
    expect(page.locator("#action-toggle")).to_be_visible()  # select all
    for header in page.locator("#result_list thead th").all():
        box = header.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, header.inner_text()
    assert axe_violations(page) == []
