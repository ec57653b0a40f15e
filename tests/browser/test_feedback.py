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
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else 0)
    page.locator("#feedback").get_by_role("button", name="No").click()
    # one post from the shared page records the answer and comes back to it
    expect(page.locator("#feedback").get_by_role("status")).to_contain_text(
        "Thanks for your feedback."
    )
    assert page.url == article_url + "#feedback"
    assert len(posts) == 1 and posts[0].response().status == 303
    assert posts[0].redirected_to.url == article_url  # the #feedback stays in the browser
    assert not Vote.objects.get().helpful
    page.locator("#feedback").get_by_role("link", name="Tell us more").click()
    expect(page.get_by_text("You answered No.")).to_be_visible()
    page.get_by_label("Missing or weak sources").check()
    page.get_by_label("Tell us more").fill("Reference 2 does not say this.")
    page.get_by_role("button", name="Send").click()
    assert page.url == article_url + "#feedback"
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thanks — your answer and comments go straight to our editors."
    )
    vote = Vote.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (
        False,
        "sources",
        "Reference 2 does not say this.",
    )
    context.close()


def test_a_reader_who_voted_gets_the_shared_page_and_sees_their_answer(page, article_url):
    page.goto(article_url)
    panel = page.locator("#feedback")
    panel.get_by_role("button", name="Yes").click()
    expect(panel.get_by_role("status")).to_have_text("Thanks for your feedback.")
    shared = []
    page.on(
        "response", lambda response: shared.append(response) if response.url == article_url else 0
    )
    page.reload()
    assert "You answered" not in shared[-1].text()  # the page is nobody's in particular
    panel = page.locator("#feedback")
    expect(panel.get_by_text("You answered Yes.")).to_be_visible()
    expect(panel.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "false")


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
