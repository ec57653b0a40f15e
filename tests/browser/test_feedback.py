import pytest
from playwright.sync_api import expect

from articles.models import Article
from feedback.models import Vote

ARTICLE = "demo-scaling-laws"


@pytest.fixture
def article_url(live_server, demo_newsroom):
    Vote.objects.all().delete()  # only this reader's votes from here on
    return live_server.url + Article.objects.get(external_id=ARTICLE).get_absolute_url()


def vote_no_with_a_reason(page):
    panel = page.locator("#feedback")
    panel.get_by_role("button", name="No").click()
    expect(panel.get_by_role("status")).to_have_text("Thanks for your feedback.")
    panel.get_by_label("Missing or weak sources").check()
    panel.get_by_label("Tell us more").fill("Reference 2 does not say this.")
    panel.get_by_role("button", name="Send").click()
    expect(panel.get_by_role("status")).to_contain_text("Thanks")


def test_reader_votes_no_explains_and_finds_the_vote_remembered(page, article_url, axe_violations):
    page.goto(article_url)
    vote_no_with_a_reason(page)
    panel = page.locator("#feedback")
    expect(panel.get_by_role("status")).to_have_text(
        "Thanks — your answer and comments go straight to our editors."
    )
    assert page.url == article_url  # no reload, no navigation
    assert axe_violations(page) == []

    page.reload()
    panel = page.locator("#feedback")
    expect(panel.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_label("Missing or weak sources")).to_be_checked()
    expect(panel.get_by_label("Tell us more")).to_have_value("Reference 2 does not say this.")

    vote = Vote.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (
        False,
        "sources",
        "Reference 2 does not say this.",
    )


def test_the_same_flow_works_without_javascript(browser, article_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(article_url)
    page.locator("#feedback").get_by_role("button", name="No").click()
    # the shared page sends the reader to their own form, which records the answer
    expect(page.get_by_text("Your answer: No.")).to_be_visible()
    page.get_by_label("Missing or weak sources").check()
    page.get_by_label("Tell us more").fill("Reference 2 does not say this.")
    page.get_by_role("button", name="Send my answer").click()
    assert page.url == article_url + "#feedback"
    panel = page.locator("#feedback")
    expect(panel.get_by_role("status")).to_contain_text("Thanks")
    expect(panel.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_label("Missing or weak sources")).to_be_checked()
    vote = Vote.objects.get()
    assert (vote.helpful, vote.reason) == (False, "sources")
    context.close()


def test_reader_changes_their_mind(page, article_url):
    page.goto(article_url)
    panel = page.locator("#feedback")
    panel.get_by_role("button", name="No").click()
    expect(panel.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    panel.get_by_role("button", name="Yes").click()
    expect(panel.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_role("button", name="Yes")).to_be_focused()
    expect(panel.get_by_label("Anything you would like to add?")).to_be_visible()
    assert Vote.objects.count() == 1 and Vote.objects.get().helpful
