"""The editors' start page (/admin/): what needs attention, above the app list, for what the
user may edit; each tray a short list with a count and a link to the full list."""

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.editorial.desk import MIN_WEEK_VOTES, SHOWN
from articles.editorial.models import PublicChange
from articles.models import Article
from feedback.models import Vote
from feedback.services import vote_record

INDEX = reverse("admin:index")
ASCII_SPACES = re.compile(r"[ \t\r\n]+")


@dataclasses.dataclass
class Tray:
    count: int = 0
    entries: list = dataclasses.field(default_factory=list)  # [(href, title, note)]
    more: str = ""


class _Trays(HTMLParser):
    """Read the desk's trays, by name, in the page's order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.trays: dict[str, Tray] = {}
        self._tray = None
        self._in = None  # "count", "title", "note" or "more"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = attributes.get("class", "").split()
        if tag == "section" and "desk-tray" in classes:
            self._tray = self.trays[attributes["id"].removeprefix("tray-")] = Tray()
        elif self._tray is None:
            return
        elif "desk-count" in classes:
            self._in = "count"
        elif tag == "li":
            self._tray.entries.append(["", "", ""])
        elif tag == "a" and self._in is None and self._tray.entries and not self._tray.more:
            self._tray.entries[-1][0] = attributes["href"]
            self._in = "title"
        elif "desk-note" in classes:
            self._in = "note"
        elif "desk-more" in classes:
            self._in = "more"
        elif tag == "a" and self._in == "more":
            self._tray.more = attributes["href"]

    def handle_endtag(self, tag):
        if tag == "section":
            self._tray = None
        elif tag in ("a", "span", "p") and self._in in ("count", "title") or tag == "li":
            self._in = None

    def handle_data(self, data):
        if self._in == "count":
            self._tray.count = int(data)
        elif self._in == "title":
            self._tray.entries[-1][1] += data
        elif self._in == "note":
            self._tray.entries[-1][2] += data


def desk(client) -> dict[str, Tray]:
    response = client.get(INDEX)
    assert response.status_code == 200
    parser = _Trays()
    parser.feed(response.content.decode())
    for tray in parser.trays.values():
        tray.entries = [
            (href, title, ASCII_SPACES.sub(" ", note).strip()) for href, title, note in tray.entries
        ]
    return parser.trays


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def titles(tray: Tray) -> list[str]:
    return [title for _, title, _ in tray.entries]


def votes(article, *answers, days_ago=0):
    """Record one reader's vote per answer on `article`, cast `days_ago` days ago."""
    for answer in answers:
        vote = vote_record(
            article=article, voter_id=f"reader-{Vote.objects.count()}", helpful=answer, follow_up={}
        )
        if days_ago:
            then = timezone.now() - dt.timedelta(days=days_ago)
            Vote.objects.filter(pk=vote.pk).update(created_at=then, updated_at=then)


def hold(article, *gates):
    failures = [{"gate": gate, "message": f"The {gate} gate failed."} for gate in gates]
    Article.objects.filter(pk=article.pk).update(status="in_review", held_gates=failures)


def public_change(article, kind, *, days_ago=0):
    return PublicChange.objects.create(
        article=article,
        revision=article.revisions.order_by("-number").first(),
        kind=kind,
        text=f"A {kind}.",
        published_at=timezone.now() - dt.timedelta(days=days_ago, minutes=1),
    )


def test_editors_see_what_waits_for_review_and_what_the_gates_hold(editor_client, make_article):
    now = timezone.now()
    older = make_article(title="Waiting longest", status="in_review", published_at=None)
    newer = make_article(title="Waiting since today", status="in_review", published_at=None)
    approved = make_article(title="Approved one", status="in_review", published_at=None)
    Article.objects.filter(pk=older.pk).update(updated_at=now - dt.timedelta(days=2))
    Article.objects.filter(pk=newer.pk).update(updated_at=now - dt.timedelta(hours=1))
    Article.objects.filter(pk=approved.pk).update(reviewed_at=now, updated_at=now)
    held = make_article(title="Held one", status="in_review", published_at=None)
    hold(held, "references", "quality")
    make_article(title="A draft", status="draft", published_at=None)

    trays = desk(editor_client)
    review = trays["review"]
    assert review.count == 3
    assert titles(review) == ["Waiting longest", "Waiting since today", "Approved one"]
    assert review.entries[0][0] == change_url(older)
    assert review.entries[0][2].startswith("last changed ")
    assert review.entries[2][2].startswith("Approved last changed ")
    assert review.more == reverse("admin:articles_article_changelist") + "?stage=review"
    assert trays["held"].count == 1
    assert trays["held"].entries == [(change_url(held), "Held one", "failed: references, quality")]
    assert trays["held"].more.endswith("?stage=held")


def test_a_tray_shows_the_first_few_and_counts_them_all(editor_client, make_article):
    for number in range(SHOWN + 2):
        make_article(title=f"In review {number}", status="in_review", published_at=None)
    review = desk(editor_client)["review"]
    assert review.count == SHOWN + 2
    assert len(review.entries) == SHOWN


def test_scheduled_articles_are_listed_soonest_first_with_their_time(editor_client, make_article):
    now = timezone.now()
    later = make_article(title="Next week", published_at=now + dt.timedelta(days=7))
    sooner = make_article(title="Tomorrow", published_at=now + dt.timedelta(days=1))
    make_article(title="Already out", published_at=now - dt.timedelta(days=1))
    html = editor_client.get(INDEX).content.decode()
    scheduled = desk(editor_client)["scheduled"]
    assert scheduled.count == 2
    assert [href for href, _, _ in scheduled.entries] == [change_url(sooner), change_url(later)]
    assert scheduled.entries[0][2].startswith("goes live ")
    when = timezone.localtime(sooner.published_at).isoformat()
    assert f'<time datetime="{when}">' in html


def test_the_least_helpful_articles_of_the_week_need_enough_votes(editor_client, make_article):
    enough = MIN_WEEK_VOTES
    worst = make_article(title="Mostly unhelpful")
    votes(worst, *[True] + [False] * (enough - 1))
    mixed = make_article(title="Half helpful")
    votes(mixed, *[True, False] * enough)
    votes(make_article(title="Too few votes"), *[False] * (enough - 1))
    votes(make_article(title="Unhelpful last month"), *[False] * enough, days_ago=8)
    votes(make_article(title="Loved"), *[True] * enough)
    earlier = make_article(title="Unhelpful earlier, fine now")
    votes(earlier, *[False] * enough, days_ago=10)
    votes(earlier, *[True] * (enough - 1), False)
    unpublished = make_article(title="Unpublished since", status="draft", published_at=None)
    votes(unpublished, *[False] * enough)

    least = desk(editor_client)["least-helpful"]
    assert titles(least) == ["Mostly unhelpful", "Half helpful", "Unhelpful earlier, fine now"]
    assert least.count == 3
    share = f"{round(100 / enough)}\N{NO-BREAK SPACE}% of {enough}"
    assert least.entries[0] == (change_url(worst), "Mostly unhelpful", f"{share} found it helpful")
    assert least.more == reverse("admin:feedback_vote_report")


def test_corrections_of_the_week_are_listed_newest_first(editor_client, make_article):
    corrected = make_article(title="Corrected")
    clarified = make_article(title="Clarified")
    public_change(corrected, "correction", days_ago=1)
    public_change(clarified, "clarification")
    public_change(make_article(title="Updated"), "update")
    long_ago = make_article(title="Corrected long ago")
    public_change(long_ago, "correction", days_ago=8)
    corrections = desk(editor_client)["corrections"]
    assert corrections.count == 2
    assert titles(corrections) == ["Clarified", "Corrected"]
    assert corrections.entries[0][0] == change_url(clarified)
    assert corrections.entries[0][2].startswith("Clarification on ")
    full_list = editor_client.get(corrections.more).context["cl"].result_list
    assert [change.article for change in full_list] == [clarified, corrected, long_ago]


def test_the_full_list_links_list_what_the_trays_count(editor_client, make_article):
    make_article(title="In review", status="in_review", published_at=None)
    hold(make_article(title="Held", status="in_review", published_at=None), "citations")
    make_article(title="Scheduled", published_at=timezone.now() + dt.timedelta(hours=3))
    make_article(title="Published")
    for name in ("review", "held", "scheduled"):
        tray = desk(editor_client)[name]
        listed = editor_client.get(tray.more).context["cl"].result_list
        assert [article.title for article in listed] == titles(tray), name


def test_writers_see_the_articles_they_may_edit_and_nothing_live(client, writer, make_article):
    make_article(title="Their draft in review", status="in_review", published_at=None)
    hold(make_article(title="Held for them", status="in_review", published_at=None), "quality")
    scheduled = make_article(
        title="Scheduled by an editor", published_at=timezone.now() + dt.timedelta(days=1)
    )
    public_change(scheduled, "correction")
    client.force_login(writer)
    trays = desk(client)
    assert list(trays) == ["review", "held"]
    assert titles(trays["review"]) == ["Their draft in review"]
    assert titles(trays["held"]) == ["Held for them"]
    assert "Scheduled by an editor" not in client.get(INDEX).content.decode()


def test_staff_who_may_not_see_articles_get_the_app_list_alone(
    client, django_user_model, make_article
):
    make_article(title="In review", status="in_review", published_at=None)
    webmaster = django_user_model.objects.create_user("webmaster", is_staff=True)
    webmaster.user_permissions.add(Permission.objects.get(codename="view_endpoint"))
    client.force_login(webmaster)
    html = client.get(INDEX).content.decode()
    assert "Needs attention" not in html and "In review" not in html
    assert "Endpoints" in html


def _fill(make_article, count):
    """Give every tray `count` articles (or corrections), with votes."""
    now = timezone.now()
    for number in range(count):
        make_article(status="in_review", published_at=None)
        hold(make_article(status="in_review", published_at=None), "references")
        make_article(published_at=now + dt.timedelta(days=number + 1))
        unhelpful = make_article()
        votes(unhelpful, *[False] * MIN_WEEK_VOTES)
        public_change(unhelpful, "correction")


@pytest.mark.parametrize("count", [1, 8])
def test_the_start_page_reads_the_same_queries_for_few_or_many(
    editor_client, make_article, django_assert_num_queries, count
):
    _fill(make_article, count)
    with django_assert_num_queries(13) as queries:
        trays = desk(editor_client)
    assert {tray.count for tray in trays.values()} == {count}
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)
