"""Article writes make webhook events: one per write, the most specific, for live articles
only; a scheduled article's publication is announced when it goes live."""

import datetime as dt
import logging

import pytest

from articles.roles import OPERATOR
from articles.services import (
    LeadImage,
    article_delete,
    article_publish,
    article_schedule,
    article_unpublish,
    article_update,
)
from images.validation import inspect
from tests.conftest import picture_bytes, reference
from tests.webhooks.conftest import START, edit, run_queue, verified
from webhooks import services
from webhooks.models import Delivery

HOUR = dt.timedelta(hours=1)


def test_each_write_of_a_live_article_sends_its_one_event(
    clock, endpoint, receiver, make_article, editor
):
    article = make_article(slug="rates-held")
    edit(article, editor, dek="A silent fix.")
    edit(article, editor, kind="correction", text="It said 5 percent.", body="4 percent.")
    edit(article, editor, kind="clarification", text="Held, not cut.", body="4 percent, held.")
    edit(article, editor, kind="update", text="The bank spoke.", body="4 percent; it spoke.")
    edit(article, editor, kind="editors_note", text="Sources added.")
    edit(article, editor, kind="retraction", text="The report was wrong.")
    article_unpublish(actor=editor, article=article)
    run_queue()
    assert [event["type"] for event in receiver.events] == [
        "article.published",
        "article.updated",
        "article.corrected",
        "article.corrected",
        "article.updated",
        "article.updated",
        "article.retracted",
        "article.unpublished",
    ]
    assert {event["data"]["article"]["slug"] for event in receiver.events} == {"rates-held"}


def test_describing_a_live_articles_lead_image_anew_is_an_update(
    clock, endpoint, receiver, make_article, make_image, editor
):
    article = make_article(slug="glacier", lead_image=make_image(alt_text="Ice."))
    draft = make_article(status="draft", published_at=None)

    # Another article, a draft, with the same picture described its own way.
    article_update(actor=editor, article=draft, lead_image=LeadImage(
        alt_text="Not what the live article says.", picture=inspect(picture_bytes())
    ))  # fmt: skip
    article_update(actor=editor, article=article, lead_image=LeadImage(alt_text="Blue ice."))
    run_queue()

    assert receiver.types() == [("article.published", "glacier"), ("article.updated", "glacier")]
    assert receiver.events[1]["data"]["article"]["lead_image"]["alt"] == "Blue ice."


def test_a_write_that_changes_nothing_and_drafts_send_nothing(
    clock, endpoint, receiver, make_article, editor
):
    live = make_article()
    draft = make_article(status="draft", published_at=None)
    edit(live, editor)  # the same values again: no revision
    edit(draft, editor, title="A better draft title")
    run_queue()
    assert receiver.types() == [("article.published", live.slug)]


def test_deleting_a_live_article_unpublishes_it(clock, endpoint, receiver, make_article, editor):
    article = make_article(
        slug="gone-soon", external_id="pipeline-7", tags=["Rates"], references=[reference(1)]
    )
    article_delete(actor=editor, article=article)
    run_queue()
    assert receiver.types() == [
        ("article.published", "gone-soon"),
        ("article.unpublished", "gone-soon"),
    ]
    gone = receiver.events[1]["data"]["article"]
    assert (gone["external_id"], gone["tags"]) == ("pipeline-7", ["Rates"])
    assert [reference["number"] for reference in gone["references"]] == [1]


def test_publishing_a_draft_is_announced_once(clock, endpoint, receiver, make_article, editor):
    draft = make_article(status="draft", published_at=None)
    article_publish(actor=editor, article=draft)
    article_publish(actor=editor, article=draft)  # already published: no write
    run_queue()
    assert receiver.types() == [("article.published", draft.slug)]


def test_the_request_is_signed_json_with_the_article_as_the_api_shows_it(
    clock, endpoint, receiver, make_article
):
    article = make_article(slug="signed", title="Signed and sealed")
    run_queue()
    [request] = receiver.requests
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Newsroom-Webhooks/1"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-timestamp"] == str(int(START.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    body = verified(request, endpoint.secret)
    assert body["type"] == "article.published"
    assert body["timestamp"] == "2026-05-04T12:00:00Z"
    shown = body["data"]["article"]
    assert shown["slug"] == "signed" and shown["title"] == "Signed and sealed"
    assert shown["url"] == article.get_absolute_url() and shown["is_live"] is True
    assert request["path"] == "/hooks"


def test_a_forged_or_replayed_request_does_not_verify(clock, endpoint, receiver, make_article):
    from standardwebhooks.webhooks import WebhookVerificationError

    make_article()
    run_queue()
    [request] = receiver.requests
    forged = {**request, "body": request["body"].replace(b"published", b"retracted")}
    with pytest.raises(WebhookVerificationError):
        verified(forged, endpoint.secret)
    with pytest.raises(WebhookVerificationError):
        verified(request, services.endpoint_rotate_secret(actor=OPERATOR, endpoint=endpoint))
    clock.shift(dt.timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        verified(request, endpoint.secret)


def test_only_active_endpoints_subscribed_to_the_type_get_it(
    clock, receiver, allow_private, make_article, editor
):
    published_only = services.endpoint_create(
        actor=OPERATOR, url=receiver.url + "?who=a", events=["article.published"]
    )
    updates_only = services.endpoint_create(
        actor=OPERATOR, url=receiver.url + "?who=b", events=["article.updated"]
    )
    turned_off = services.endpoint_create(actor=OPERATOR, url=receiver.url + "?who=c")
    services.endpoint_disable(actor=editor, endpoint=turned_off, reason="Paused.")
    article = make_article()
    edit(article, editor, dek="Changed.")
    run_queue()
    got = sorted(
        (request["path"], event["type"])
        for request, event in zip(receiver.requests, receiver.events, strict=True)
    )
    assert got == [("/hooks?who=a", "article.published"), ("/hooks?who=b", "article.updated")]
    assert not Delivery.objects.filter(endpoint=turned_off).exists()
    assert published_only.deliveries.count() == updates_only.deliveries.count() == 1


# Scheduled articles


def test_a_scheduled_article_is_announced_when_it_goes_live(
    clock, endpoint, receiver, make_article
):
    make_article(slug="at-one", title="At one", published_at=START + HOUR)
    run_queue()
    assert receiver.requests == []
    clock.shift(HOUR - dt.timedelta(seconds=1))
    run_queue()
    assert receiver.requests == []
    clock.shift(dt.timedelta(seconds=1))
    run_queue()
    assert receiver.types() == [("article.published", "at-one")]
    body = verified(receiver.requests[0], endpoint.secret)
    assert body["timestamp"] == "2026-05-04T13:00:00Z"
    assert body["data"]["article"]["is_live"] is True
    assert body["data"]["article"]["state"] == "published"


def test_a_scheduled_article_deleted_after_it_went_live_but_before_it_was_announced(
    clock, endpoint, receiver, make_article, editor
):
    article = make_article(slug="brief-life", published_at=START + HOUR)
    clock.shift(2 * HOUR)  # live now; no worker has run
    article_delete(actor=editor, article=article)
    run_queue()
    assert receiver.types() == [("article.unpublished", "brief-life")]
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["cancelled", "delivered"]


def test_unscheduling_cancels_the_announcement(clock, endpoint, receiver, make_article, editor):
    article = make_article(published_at=START + HOUR)
    article_unpublish(actor=editor, article=article)
    clock.shift(2 * HOUR)
    run_queue()
    assert receiver.requests == []
    assert list(Delivery.objects.values_list("status", flat=True)) == ["cancelled"]


def test_rescheduling_or_editing_before_then_makes_one_announcement_of_the_latest(
    clock, endpoint, receiver, make_article, editor
):
    article = make_article(slug="moving", title="First title", published_at=START + HOUR)
    article_schedule(actor=editor, article=article, at=START + 2 * HOUR)
    edit(article, editor, title="Final title")
    clock.shift(HOUR)
    run_queue()
    assert receiver.requests == []
    clock.shift(HOUR)
    run_queue()
    assert receiver.types() == [("article.published", "moving")]
    assert receiver.events[0]["data"]["article"]["title"] == "Final title"
    assert receiver.events[0]["timestamp"] == "2026-05-04T14:00:00Z"


def test_moving_a_live_article_into_the_future_unpublishes_it_until_then(
    clock, endpoint, receiver, make_article, editor
):
    article = make_article(slug="back-later")
    article_schedule(actor=editor, article=article, at=START + HOUR)
    run_queue()
    assert receiver.types() == [
        ("article.published", "back-later"),
        ("article.unpublished", "back-later"),
    ]
    clock.shift(HOUR)
    run_queue()
    assert receiver.types()[2:] == [("article.published", "back-later")]


def test_publishing_a_scheduled_article_now_announces_it_now_and_only_now(
    clock, endpoint, receiver, make_article, editor
):
    article = make_article(slug="now-instead", published_at=START + HOUR)
    edit(article, editor, published_at=START)
    run_queue()
    clock.shift(2 * HOUR)
    run_queue()
    assert receiver.types() == [("article.published", "now-instead")]


# A receiver's trouble is never the writer's


@pytest.mark.parametrize("trouble", ["down", "slow", "500", "reset", "garbage"])
def test_a_failing_receiver_never_fails_the_write(
    clock, receiver, allow_private, settings, make_article, editor, trouble, caplog
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    url = receiver.url
    if trouble == "down":
        receiver.server.shutdown()
        receiver.server.server_close()
    receiver.delay = 0.5 if trouble == "slow" else 0
    receiver.status = 500 if trouble == "500" else 200
    receiver.reset = trouble == "reset"
    receiver.garbage = trouble == "garbage"
    endpoint = services.endpoint_create(actor=OPERATOR, url=url)

    article = make_article()
    edit(article, editor, dek="Written all the same.")
    run_queue()

    article.refresh_from_db()
    assert article.dek == "Written all the same."
    delivery = endpoint.deliveries.order_by("id").first()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at == START + dt.timedelta(seconds=5)
    [attempt] = delivery.attempt_log.all()
    expected = {
        "down": "Connection refused",
        "slow": "Timed out",
        "500": "",
        "reset": "Connection reset",
        "garbage": "Not an HTTP answer: BadStatusLine",
    }[trouble]
    assert attempt.error.startswith(expected)
    assert attempt.response_status == (500 if trouble == "500" else None)
    # the receiver's failure, not ours: a warning, no error
    assert [r.levelname for r in caplog.records if r.name == "newsroom.webhooks"][-1] == "WARNING"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
