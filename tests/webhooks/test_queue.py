"""The queue delivers each event once, in order per article and endpoint, retrying over about a
day; an endpoint that keeps failing is disabled, and turning it on again resumes it."""

import datetime as dt
import logging
import threading
from unittest import mock

import pytest
from django.db import connections

from articles.roles import OPERATOR
from articles.services import article_unpublish
from tests.webhooks.conftest import START, edit, run_queue
from webhooks import delivery as queue
from webhooks import services, transport
from webhooks.models import Delivery, Endpoint

DELAYS = [
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
]


def statuses(delivery):
    return [(a.response_status, a.error.split(":")[0]) for a in delivery.attempt_log.all()]


def test_a_receiver_down_then_up_gets_every_event_once_in_order_per_article(
    clock, endpoint, receiver, make_article, editor
):
    receiver.status = 503
    first = make_article(slug="first")
    edit(first, editor, dek="First, changed.")
    make_article(slug="second")
    edit(first, editor, kind="correction", text="Fixed.", body="First, corrected.")
    run_queue()
    # The first event of each article was tried; the others wait behind theirs.
    assert sorted(receiver.types()) == [
        ("article.published", "first"),
        ("article.published", "second"),
    ]

    receiver.status = 200
    clock.shift(dt.timedelta(seconds=5))
    run_queue()

    delivered = [(event["type"], event["data"]["article"]["slug"]) for event in receiver.events[2:]]
    assert [t for t, slug in delivered if slug == "first"] == [
        "article.published",
        "article.updated",
        "article.corrected",
    ]
    assert [t for t, slug in delivered if slug == "second"] == ["article.published"]
    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    assert len(set(ids[2:])) == 4 and set(ids[:2]) <= set(ids[2:])  # a retry keeps its id
    retried = next(r for r in receiver.requests[2:] if r["headers"]["webhook-id"] == ids[0])
    assert int(retried["headers"]["webhook-timestamp"]) == int(START.timestamp()) + 5

    deliveries = list(Delivery.objects.order_by("id"))
    assert [d.status for d in deliveries] == ["delivered"] * 4
    assert [d.attempts for d in deliveries] == [2, 1, 2, 1]
    assert statuses(deliveries[0]) == [(503, ""), (200, "")]
    assert deliveries[0].attempt_log.first().response_excerpt == "Service unavailable"


def test_failed_attempts_are_retried_on_the_standard_webhooks_schedule_then_given_up(
    clock, endpoint, receiver, make_article, caplog
):
    receiver.status = 500
    make_article()
    delivery = Delivery.objects.get()
    run_queue()
    for number, delay in enumerate(DELAYS, start=1):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", number)
        assert (
            delivery.next_attempt_at - (START + sum(DELAYS[: number - 1], dt.timedelta())) == delay
        )
        clock.shift(delay - dt.timedelta(seconds=1))
        run_queue()
        assert len(receiver.requests) == number  # not a second early
        clock.shift(dt.timedelta(seconds=1))
        run_queue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert len(receiver.requests) == 8
    assert sum(DELAYS, dt.timedelta()) == dt.timedelta(hours=27, minutes=35, seconds=5)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at == START + sum(DELAYS, dt.timedelta())
    assert "failed 8 times" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.name == "newsroom.webhooks" and "disabled" in error.getMessage()


def test_an_endpoint_that_succeeded_meanwhile_is_not_disabled(
    clock, endpoint, receiver, make_article
):
    doomed = make_article(slug="doomed")
    receiver.status_for = lambda event: 500 if event["data"]["article"]["slug"] == "doomed" else 200
    run_queue()
    for delay in DELAYS:
        clock.shift(delay)
        make_article()  # another article gets through
        run_queue()
    failed = Delivery.objects.get(event__article=doomed)
    assert failed.status == "failed"
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None


def test_turning_a_disabled_endpoint_on_again_resumes_its_deliveries_in_order(
    clock, endpoint, receiver, make_article, editor
):
    receiver.status = 503
    article = make_article(slug="waiting")
    run_queue()
    edit(article, editor, dek="Changed while the receiver was down.")
    edit(article, editor, kind="update", text="More.", body="More text.")
    for delay in DELAYS:
        clock.shift(delay)
        run_queue()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "pending",
        "pending",
    ]
    edit(article, editor, kind="update", text="Nobody hears this one.", body="Even more.")
    assert Delivery.objects.count() == 3  # a disabled endpoint gets no new events

    receiver.status = 200
    services.endpoint_enable(actor=editor, endpoint=endpoint)
    run_queue()
    assert [event["type"] for event in receiver.events[8:]] == [
        "article.updated",
        "article.updated",
    ]
    assert [e["data"]["article"]["body"] for e in receiver.events[8:]] == [
        article.body,
        "More text.",
    ]
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "delivered",
        "delivered",
    ]


def test_sending_a_delivery_again_sends_the_same_message_with_a_fresh_schedule(
    clock, endpoint, receiver, make_article, editor
):
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    clock.shift(dt.timedelta(hours=1))
    services.delivery_resend(actor=editor, delivery=delivery)
    run_queue()
    first, again = receiver.requests
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"]
    assert first["body"] == again["body"]
    assert int(again["headers"]["webhook-timestamp"]) == int(START.timestamp()) + 3600
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_writers_cannot_send_again_or_manage_endpoints(endpoint, writer):
    with pytest.raises(services.PermissionDenied):
        services.endpoint_create(actor=writer, url="https://93.184.215.14/hook")
    with pytest.raises(services.PermissionDenied):
        services.endpoint_disable(actor=writer, endpoint=endpoint, reason="No.")


# Claims


def test_a_delivery_queued_twice_is_sent_once(clock, endpoint, receiver, make_article):
    make_article()
    delivery = Delivery.objects.get()
    queue.enqueue(delivery)  # as the sweep may
    run_queue()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().attempts == 1


def test_two_workers_never_send_one_delivery_twice(
    transactional_db, receiver, allow_private, make_article
):
    endpoint = services.endpoint_create(actor=OPERATOR, url=receiver.url)
    make_article()
    delivery = Delivery.objects.get(endpoint=endpoint)
    receiver.hold = threading.Event()
    outcomes = {}

    def first_worker():
        try:
            outcomes["first"] = queue.deliver.call(delivery.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    for _ in range(200):  # until the first worker is mid-send
        if receiver.requests:
            break
        threading.Event().wait(0.01)
    outcomes["second"] = queue.deliver.call(delivery.pk)
    receiver.hold.set()
    worker.join()
    assert outcomes == {"first": "delivered", "second": "nothing to do"}
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().attempt_log.count() == 1


def test_a_worker_that_dies_mid_send_is_taken_over_once_its_claim_runs_out(
    clock, endpoint, receiver, make_article
):
    make_article()
    with mock.patch.object(transport, "post", side_effect=KeyboardInterrupt):
        run_queue()  # the worker is stopped mid-send
    delivery = Delivery.objects.get()
    assert delivery.status == "sending"
    clock.shift(queue.claim_duration() - dt.timedelta(seconds=1))
    run_queue()
    assert Delivery.objects.get().status == "sending" and receiver.requests == []
    clock.shift(dt.timedelta(seconds=2))
    run_queue()  # the sweep logs the lost attempt and retries it after the first delay
    clock.shift(dt.timedelta(seconds=5))
    run_queue()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.requests) == 1
    assert statuses(delivery) == [(None, "No outcome"), (200, "")]


def test_a_lost_task_is_enqueued_again_by_the_sweep(clock, endpoint, receiver, make_article):
    from django_tasks_db.models import DBTaskResult

    make_article()
    DBTaskResult.objects.all().delete()  # a worker died between taking the task and claiming
    run_queue()
    assert receiver.requests == []
    clock.shift(queue.STALL_GRACE + dt.timedelta(seconds=1))
    run_queue()
    assert len(receiver.requests) == 1


def test_an_error_in_the_worker_is_logged_and_retried(
    clock, endpoint, receiver, make_article, caplog
):
    make_article()
    with mock.patch.object(transport, "post", side_effect=RuntimeError("a bug")):
        run_queue()
    delivery = Delivery.objects.get()
    assert statuses(delivery) == [(None, "RuntimeError")]
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.exc_info and "failed unexpectedly" in error.getMessage()
    clock.shift(dt.timedelta(seconds=5))
    run_queue()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_redirect_is_not_followed(clock, endpoint, receiver, make_article):
    receiver.status = 307
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_response_status) == ("pending", 307)
    assert len(receiver.requests) == 1


def test_unpublished_while_waiting_the_article_is_announced_in_order(
    clock, endpoint, receiver, make_article, editor
):
    receiver.status = 503
    article = make_article(slug="brief")
    run_queue()
    article_unpublish(actor=editor, article=article)
    receiver.status = 200
    clock.shift(dt.timedelta(seconds=5))
    run_queue()
    assert receiver.types()[1:] == [
        ("article.published", "brief"),
        ("article.unpublished", "brief"),
    ]
    assert Endpoint.objects.get().is_active


def test_an_answer_holding_a_nul_is_logged_and_the_delivery_counts(
    clock, endpoint, receiver, make_article
):
    receiver.answer = b"o\x00k"
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"
    assert delivery.attempt_log.get().response_excerpt == "o\\x00k"


def test_a_garbage_answer_holding_a_nul_is_a_failed_attempt_logged(
    clock, endpoint, receiver, make_article
):
    receiver.garbage, receiver.answer = True, b"\x00\xff not HTTP\r\n\r\n"
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "\x00" not in delivery.last_error


def test_an_answer_that_does_not_end_in_time_is_a_timeout(
    clock, endpoint, receiver, make_article, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.drip = 0.2  # one header every 0.2 s, four of them
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_response_status) == ("pending", None)
    assert delivery.last_error.startswith("Timed out")
