import re

import pytest
from playwright.sync_api import expect

from articles.models import Article

PAGES = [
    "/",
    "/articles/transformers-at-nine-how-one-architecture-took-over/",
    "/articles/the-eu-ai-acts-timeline-explained/",  # a clarification and its change log
    "/corrections/",
    "/tags/language-models/",
    "/sections/research/",
    "/how-it-works/",
    "/articles/no-such-article/",
    "/search/?q=models",
    "/search/?q=nothing-matches-this",
    "/tags/",
    "/archive/",
    "/archive/2026/",
]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_public_pages_pass_axe_in_light_and_dark_mode(
    page, live_server, demo_newsroom, axe_violations, color_scheme
):
    page.emulate_media(color_scheme=color_scheme)
    for path in PAGES:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        assert axe_violations(page) == [], path


def test_citation_link_jumps_to_its_reference(page, live_server, demo_newsroom):
    article = Article.objects.get(external_id="demo-transformers-at-nine")
    page.goto(live_server.url + article.get_absolute_url())
    page.locator("sup.citation a").first.click()
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    expect(page.locator("#ref-1")).to_be_in_viewport()


def test_copy_link_button_appears_with_javascript_and_copies(page, live_server, demo_newsroom):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    article = Article.objects.get(external_id="demo-rag-limits")
    page.goto(live_server.url + article.get_absolute_url())
    button = page.get_by_role("button", name="Copy link")
    button.click()
    expect(page.get_by_text("Link copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == (
        live_server.url + article.get_absolute_url()
    )


def test_keyboard_user_can_skip_to_content(page, live_server, demo_newsroom):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    expect(skip).to_be_visible()


def test_no_page_breaks_its_content_security_policy(browser, live_server, demo_newsroom):
    context = browser.new_context()  # the policy enforced, as readers get it
    page = context.new_page()
    violations = []

    def note_violation(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note_violation)
    for path in PAGES:
        page.goto(live_server.url + path)
    article = Article.objects.get(external_id="demo-rag-limits")
    page.goto(live_server.url + article.get_absolute_url())
    page.locator("#feedback").get_by_role("button", name="Yes").click()
    status = page.locator("#feedback").get_by_role("status")
    expect(status).to_have_text("Thanks for your feedback.")
    assert violations == []
    context.close()
