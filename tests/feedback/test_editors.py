import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from feedback.models import Vote
from feedback.report import FeedbackReport
from feedback.stats import wilson_lower_bound

# Helpfulness: the Wilson lower bound


@pytest.mark.parametrize(
    ("yes", "total", "expected"),
    [(3, 3, 0.4385), (300, 300, 0.9874), (50, 100, 0.4038), (0, 10, 0.0), (7, 10, 0.3968)],
)
def test_wilson_lower_bound_on_known_values(yes, total, expected):
    assert wilson_lower_bound(yes, total) == pytest.approx(expected, abs=1e-4)


def test_wilson_lower_bound_without_votes_is_none():
    assert wilson_lower_bound(0, 0) is None


def test_three_votes_do_not_outrank_three_hundred():
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(290, 300)


# The article changelist


def test_article_changelist_shows_counts_and_sorts_by_helpfulness(
    editor_client, make_article, make_vote
):
    few = make_article(title="Three of three")
    many = make_article(title="Ninety of a hundred")
    unloved = make_article(title="One of four")
    make_article(title="No votes")
    for _ in range(3):
        make_vote(few, True)
    for index in range(100):
        make_vote(many, index < 90)
    for index in range(4):
        make_vote(unloved, index == 0)

    url = reverse("admin:articles_article_changelist")
    response = editor_client.get(url)
    html = response.content.decode()
    assert '<td class="field-helpfulness">90\N{NO-BREAK SPACE}% of 100</td>' in html
    assert '<td class="field-helpfulness">100\N{NO-BREAK SPACE}% of 3</td>' in html
    assert '<td class="field-helpfulness"><span class="article-unvoted">no votes</span>' in html

    helpfulness_column = response.context["cl"].list_display.index("helpfulness")
    ordered = editor_client.get(f"{url}?o={helpfulness_column}").context["cl"].result_list
    titles = [article.title for article in ordered]
    assert titles[:3] == ["One of four", "Three of three", "Ninety of a hundred"]
    for article in ordered:
        if article.votes_total:
            expected = wilson_lower_bound(article.votes_yes, article.votes_total)
            assert article.helpfulness == pytest.approx(expected)


def test_tag_filter_does_not_count_votes_twice(editor_client, make_article, make_vote):
    article = make_article(tags=["a", "b", "c"])
    make_vote(article, True)
    make_vote(article, False)
    tag_id = article.tags.get(name="a").pk
    response = editor_client.get(
        reverse("admin:articles_article_changelist") + f"?tags__id__exact={tag_id}"
    )
    listed = response.context["cl"].result_list[0]
    assert (listed.votes_yes, listed.votes_no) == (1, 1)


# The votes admin


def test_votes_are_listed_and_filterable_but_not_editable(editor_client, make_article, make_vote):
    article = make_article(pipeline_version="2.4.1")
    vote = make_vote(article, False, reason="inaccurate", comment="The date is wrong.")
    make_vote(article, True)
    url = reverse("admin:feedback_vote_changelist")
    for query in [
        "",
        "?helpful__exact=0",
        "?reason__exact=inaccurate",
        f"?article__section__id__exact={article.section_id}",
        "?article__origin__exact=human",
        "?pipeline_version=2.4.1",
        "?q=date+is+wrong",
    ]:
        assert editor_client.get(url + query).status_code == 200, query
    found = editor_client.get(url + "?q=date+is+wrong").context["cl"].result_list
    assert list(found) == [vote]
    assert editor_client.get(reverse("admin:feedback_vote_add")).status_code == 403
    change = editor_client.get(reverse("admin:feedback_vote_change", args=[vote.pk]))
    assert change.status_code == 200
    assert 'name="comment"' not in change.content.decode()  # shown, not editable
    post = editor_client.post(
        reverse("admin:feedback_vote_change", args=[vote.pk]), {"comment": "Edited"}
    )
    assert post.status_code == 403
    vote.refresh_from_db()
    assert vote.comment == "The date is wrong."


def test_editor_can_delete_a_vote_for_moderation(editor_client, make_article, make_vote):
    vote = make_vote(make_article(), False, comment="Abusive words")
    response = editor_client.post(
        reverse("admin:feedback_vote_delete", args=[vote.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Vote.objects.exists()


def test_csv_export_has_the_votes_and_defuses_formulas(editor_client, make_article, make_vote):
    article = make_article(title="Exported", pipeline_version="2.4.1")
    make_vote(article, False, reason="sources", comment='=HYPERLINK("http://evil")')
    make_vote(article, True)
    response = editor_client.post(
        reverse("admin:feedback_vote_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(Vote.objects.values_list("pk", flat=True)),
        },
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    unhelpful = next(row for row in rows if row["helpful"] == "no")
    assert unhelpful["article"] == "Exported"
    assert unhelpful["reason"] == "Missing or weak sources"
    assert unhelpful["pipeline_version"] == "2.4.1"
    assert unhelpful["comment"].startswith("'=")


# The report


@pytest.fixture
def known_feedback(make_article, make_section, make_vote):
    """Two sections, two origins, two pipeline versions, nine votes."""
    research, tools = make_section(name="Research"), make_section(name="Tools")
    good = make_article(
        title="Good", section=research, tags=["models"], origin="pipeline", pipeline_version="2.4"
    )
    bad = make_article(
        title="Bad",
        section=tools,
        tags=["models", "tools"],
        origin="pipeline",
        pipeline_version="2.3",
    )
    human = make_article(title="Human", section=research, origin="human")
    for _ in range(4):
        make_vote(good, True)
    make_vote(good, False, reason="outdated")
    make_vote(bad, False, reason="inaccurate", comment="Wrong numbers.")
    make_vote(bad, False, reason="inaccurate")
    make_vote(bad, True, comment="Useful anyway.")
    make_vote(human, True)
    return good, bad, human


def tallies(rows):
    return {row.label: (row.yes, row.no) for row in rows}


def test_report_numbers_on_a_known_data_set(known_feedback):
    good, bad, human = known_feedback
    report = FeedbackReport.build()
    assert (report.totals.yes, report.totals.no, report.totals.total) == (6, 3, 9)
    assert report.comment_count == 2
    assert tallies(report.by_section) == {"Research": (5, 1), "Tools": (1, 2)}
    assert tallies(report.by_tag) == {"models": (5, 3), "tools": (1, 2)}
    assert tallies(report.by_origin) == {"Pipeline": (5, 3), "Human": (1, 0)}
    assert tallies(report.by_pipeline_version) == {"(none)": (1, 0), "2.3": (1, 2), "2.4": (4, 1)}
    least = report.least_helpful
    assert [entry.article for entry in least] == [bad, human, good]
    assert least[0].reasons == [("Inaccurate", 2)]
    assert [vote.comment for vote in least[0].comments] == ["Useful anyway.", "Wrong numbers."]
    assert least[0].helpfulness == pytest.approx(wilson_lower_bound(1, 3))


def test_report_counts_votes_per_week(known_feedback):
    now = timezone.now()
    Vote.objects.filter(helpful=False).update(created_at=now - dt.timedelta(weeks=2))
    Vote.objects.filter(pk=Vote.objects.filter(helpful=True).first().pk).update(
        created_at=now - dt.timedelta(weeks=30)
    )
    bars = FeedbackReport.build(now).weekly.bars
    assert len(bars) == 12
    assert (bars[-1].yes, bars[-1].no) == (5, 0)  # one yes is too old to chart
    assert (bars[-3].yes, bars[-3].no) == (0, 3)
    assert sum(bar.total for bar in bars) == 8


def test_report_page_shows_the_numbers_and_links(editor_client, known_feedback):
    good, bad, human = known_feedback
    response = editor_client.get(reverse("admin:feedback_vote_report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reader feedback report" in html
    assert reverse("admin:articles_article_change", args=[bad.pk]) in html
    assert "Inaccurate (2)" in html and "Wrong numbers." in html
    assert "<svg" in html and "Votes per week" in html
    assert (
        'href="/admin/feedback/vote/report/"'
        in editor_client.get(reverse("admin:feedback_vote_changelist")).content.decode()
    )


@pytest.mark.parametrize("articles", [2, 12])
def test_report_query_count_does_not_grow(
    editor_client, make_article, make_vote, django_assert_num_queries, articles
):
    for index in range(articles):
        article = make_article(tags=[f"t{index}", "shared"])
        for vote in range(index + 1):
            make_vote(article, vote % 2 == 0, comment=f"Comment {vote}")
    # session, user, 2 permission lookups; totals, section, tag, origin, version, weekly,
    # least helpful, their reasons, their comments
    with django_assert_num_queries(13):
        editor_client.get(reverse("admin:feedback_vote_report"))


def test_report_needs_permission(client, django_user_model, db):
    intern = django_user_model.objects.create_user("intern", is_staff=True)
    client.force_login(intern)
    assert client.get(reverse("admin:feedback_vote_report")).status_code == 403


def test_report_with_no_votes(editor_client, db):
    response = editor_client.get(reverse("admin:feedback_vote_report"))
    assert response.status_code == 200
    assert "No votes yet." in response.content.decode()


# Retention


def test_prune_feedback_removes_old_votes_and_says_how_many(make_article, make_vote):
    article = make_article()
    old, recent = make_vote(article, False, comment="old"), make_vote(article, True)
    Vote.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=100))
    out = io.StringIO()
    call_command("prune_feedback", "--older-than", "90", stdout=out)
    assert "Removed 1 vote(s) older than 90 days." in out.getvalue()
    assert list(Vote.objects.all()) == [recent]


def test_prune_feedback_can_erase_only_comments(make_article, make_vote):
    article = make_article()
    old = make_vote(article, False, reason="outdated", comment="Personal remark")
    Vote.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=40))
    out = io.StringIO()
    call_command("prune_feedback", "--older-than", "30", "--comments-only", stdout=out)
    assert "Erased 1 comment(s)" in out.getvalue()
    old.refresh_from_db()
    assert (old.comment, old.reason, old.helpful) == ("", "outdated", False)


@pytest.mark.parametrize("days", ["0", "-5"])
def test_prune_feedback_refuses_a_nonsense_age(db, days):
    with pytest.raises(CommandError, match="1 or more"):
        call_command("prune_feedback", "--older-than", days)


def test_prune_feedback_requires_an_age(db):
    with pytest.raises(CommandError):
        call_command("prune_feedback")


def test_deleting_an_article_deletes_its_votes(make_article, make_vote):
    article = make_article()
    make_vote(article)
    Article.objects.filter(pk=article.pk).delete()
    assert not Vote.objects.exists()
