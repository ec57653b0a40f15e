"""The article editor in a real browser: an editor writes, cites, publishes and corrects."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from articles.rendering import read_body

PASSWORD = "browser-test-password"  # the demo_newsroom fixture's DEMO_EDITOR_PASSWORD
WIDE, NARROW = 1280, 1024
FIRST_PARAGRAPH = "Open models now match closed ones on most public benchmarks [1]."
SECOND_PARAGRAPH = "The gap that remains is in long reasoning tasks"


def scrolls_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def assert_fits_both_widths(page):
    for width in (NARROW, WIDE):
        page.set_viewport_size({"width": width, "height": 900})
        assert not scrolls_sideways(page), f"the form scrolls sideways at {width} px"


def assert_admin_page_passes_axe(page, axe_violations):
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith("favicon.svg")
    assert axe_violations(page) == [], page.url


@pytest.fixture
def page_loads(page):
    """Count the page's loads (navigations), in order."""
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def test_editor_writes_cites_publishes_and_corrects_an_article(
    page, live_server, demo_newsroom, axe_violations, page_loads, caplog
):
    page.set_viewport_size({"width": WIDE, "height": 900})

    # Log in on the way to a new article.
    page.goto(live_server.url + reverse("admin:articles_article_add"))
    assert_admin_page_passes_axe(page, axe_violations)
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Add article")).to_be_visible()
    assert_admin_page_passes_axe(page, axe_violations)
    assert_fits_both_widths(page)

    # Write, citing a reference not there yet: the preview flags it as it is typed.
    page.locator("#id_title").fill("Open models close the gap")
    page.keyboard.press("Tab")
    expect(page.locator("#id_slug")).to_have_value("open-models-close-the-gap")  # made from it
    page.locator("#id_section").select_option(label="Research")
    body = page.locator("#id_body")
    body.fill(f"{FIRST_PARAGRAPH}\n\n{SECOND_PARAGRAPH}")
    preview = page.locator("#article-preview")
    expect(preview.locator(".preview-problems")).to_contain_text(
        "Line 1 cites [1], but there is no reference with that number."
    )
    expect(preview.locator("sup.citation--unresolved")).to_have_count(1)

    # The first reference, in the empty row; the preview links the citation to it.
    page.locator("#id_references-0-number").fill("1")
    page.locator("#id_references-0-publisher").fill("Open Benchmarks Lab")
    page.locator("#id_references-0-title").fill("The 2026 leaderboard")
    page.locator("#id_references-0-url").fill("https://example.org/leaderboard")
    expect(preview.locator("sup.citation--unresolved")).to_have_count(0)
    expect(preview.locator('sup.citation a[href="#ref-1"]')).to_have_attribute(
        "title", "The 2026 leaderboard"
    )

    # A second reference, numbered 2 when added, cited with its Cite button at the cursor.
    page.get_by_role("button", name="Add another Reference").click()
    expect(page.locator("#id_references-1-number")).to_have_value("2")
    page.locator("#id_references-1-publisher").fill("Reasoning Review")
    page.locator("#id_references-1-title").fill("Where models still stumble")
    page.locator("#id_references-1-url").fill("https://example.org/reasoning")
    body.click()
    page.keyboard.press("Control+End")
    page.get_by_role("button", name="Cite [2]").click()
    expect(body).to_be_focused()
    page.keyboard.type(".")
    text = f"{FIRST_PARAGRAPH}\n\n{SECOND_PARAGRAPH} [2]."
    expect(body).to_have_value(text)
    words = read_body(text).word_count
    expect(preview.locator('sup.citation a[href="#ref-2"]')).to_have_attribute(
        "title", "Where models still stumble"
    )
    expect(preview.locator(".preview-summary__words")).to_have_text(f"{words} words")
    expect(preview.locator(".preview-problems")).to_have_count(0)
    expect(preview.locator(".reference-list li")).to_have_count(2)
    assert_fits_both_widths(page)

    # Publish, and see it as readers do.
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert_admin_page_passes_axe(page, axe_violations)
    page.emulate_media(color_scheme="dark")
    page.evaluate("document.getAnimations().forEach(a => a.finish())")  # links fade in colour
    assert axe_violations(page) == [], "the change form in dark mode"
    page.emulate_media(color_scheme="light")
    assert_fits_both_widths(page)
    page.get_by_role("link", name="View on site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open models close the gap")
    expect(page.locator(".article__body sup.citation a")).to_have_count(2)
    expect(page.locator(".article__header .article-meta")).to_contain_text(f"{words} words")
    assert len(page_loads) <= 5, page_loads
    assert Article.objects.get(slug="open-models-close-the-gap").is_published()

    # Correct it, telling readers what was wrong.
    article = Article.objects.get(slug="open-models-close-the-gap")
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    assert_admin_page_passes_axe(page, axe_violations)
    body.fill(text.replace("most public benchmarks", "most, not all, public benchmarks"))
    page.locator("#id_change_kind").select_option("correction")
    page.locator("#id_change_text").fill(
        "An earlier version said open models match closed ones on most benchmarks; they "
        "match them on most, not all."
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert_admin_page_passes_axe(page, axe_violations)
    page.get_by_role("link", name="View on site").click()
    notice = page.locator(".notice--correction")
    expect(notice).to_contain_text("Correction")
    expect(notice).to_contain_text("An earlier version said open models match closed ones")
    expect(page.locator(".article__body")).to_contain_text("most, not all, public benchmarks")

    # Chromium asks for /favicon.ico itself (unseen by Playwright) when a page names no icon.
    asked_for_icon = [r for r in caplog.records if getattr(r, "path", "") == "/favicon.ico"]
    assert asked_for_icon == []


@pytest.fixture
def add_form(page, live_server, close_db_connections, editor):
    """Open the add form as an editor, at 1280 × 900, with the system in light mode."""
    editor.set_password(PASSWORD)
    editor.save()
    page.set_viewport_size({"width": WIDE, "height": 900})
    page.emulate_media(color_scheme="light")
    page.goto(live_server.url + reverse("admin:articles_article_add"))
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Add article")).to_be_visible()
    return page


def test_the_preview_says_when_the_session_has_ended_and_keeps_what_it_showed(add_form):
    page = add_form
    body, preview = page.locator("#id_body"), page.locator("#article-preview")
    body.fill("Written while logged in.")
    expect(preview.locator(".article__body")).to_have_text("Written while logged in.")
    context = page.context
    kept = [cookie for cookie in context.cookies() if cookie["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)

    body.fill("Written after the session ended.")
    expect(page.locator("#article-preview-status")).to_have_text(
        "You are logged out, so the preview stopped. Log in again in another tab before you "
        "save, or this form’s changes are lost."
    )
    expect(preview.locator(".article__body")).to_have_text("Written while logged in.")
    expect(preview.locator("form, input")).to_have_count(0)  # no login form in the pane
    expect(body).to_be_focused()


def test_the_preview_never_uploads_the_lead_image_being_chosen(add_form, tmp_path):
    page = add_form
    picture = tmp_path / "lead.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200_000))
    page.locator("#id_lead_image_file").set_input_files(str(picture))
    with page.expect_request(lambda request: "/preview/" in request.url) as posted:
        page.locator("#id_body").fill("A body with a picture chosen.")
    sent = posted.value.post_data_buffer or b""
    assert b'name="body"' in sent  # what the preview needs…
    assert b"filename=" not in sent and len(sent) < 50_000  # …and not the picture
    expect(page.locator("#article-preview .article__body")).to_have_text(
        "A body with a picture chosen."
    )


def preview_background(page) -> str:
    return page.locator("#article-preview .preview-page").evaluate(
        "element => getComputedStyle(element.getRootNode().host).backgroundColor"
    )


def test_the_preview_follows_the_theme_chosen_in_the_admin(add_form, axe_violations):
    page = add_form
    light = preview_background(page)
    page.get_by_role("button", name="Toggle theme").first.click()  # auto (light) → dark
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = preview_background(page)
    assert dark != light
    assert dark == "rgb(20, 20, 20)"  # site.css's dark --bg
    page.locator("#id_body").fill("A claim [1] in the dark.")
    expect(page.locator("#article-preview sup.citation--unresolved")).to_have_count(1)
    assert preview_background(page) == dark
    assert axe_violations(page) == []
    page.reload()  # the admin keeps the choice; so does the preview
    assert preview_background(page) == dark

    page.emulate_media(color_scheme="dark")
    toggle = page.get_by_role("button", name="Toggle theme").first
    toggle.click()  # dark → auto, which is dark now
    assert page.evaluate("document.documentElement.dataset.theme") == "auto"
    assert preview_background(page) == dark
    toggle.click()  # auto (dark) → light
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert preview_background(page) == light


def test_on_a_phone_the_change_form_shows_the_whole_lead_image(page, live_server, demo_newsroom):
    article = Article.objects.exclude(lead_image=None).order_by("pk").first()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    picture = page.locator(".field-lead_image_preview img")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    natural = picture.evaluate("img => img.naturalWidth / img.naturalHeight")
    assert box["width"] / box["height"] == pytest.approx(natural, rel=0.02)  # scaled, not cut
    assert not scrolls_sideways(page)


def test_citation_problems_are_announced_politely_as_they_come_and_go(add_form):
    page = add_form
    body = page.locator("#id_body")
    announcement = page.locator("#article-preview-announcement")
    expect(announcement).to_have_attribute("role", "status")
    body.fill("A claim [3].")
    expect(announcement).to_have_text(
        "Preview: Line 1 cites [3], but there is no reference with that number."
    )
    expect(body).to_be_focused()  # announced, not focused
    page.locator("#id_references-0-number").fill("3")
    expect(announcement).to_have_text("Preview: no problems with the citations now.")
    page.evaluate(
        "() => { window.announcements = 0; new MutationObserver(() => window.announcements++)"
        ".observe(document.getElementById('article-preview-announcement'),"
        " {childList: true, characterData: true, subtree: true}); }"
    )
    body.press("End")
    body.type(" More.")  # typing on, with nothing new to say, says nothing
    expect(page.locator("#article-preview .article__body")).to_contain_text("More.")
    assert page.evaluate("window.announcements") == 0
