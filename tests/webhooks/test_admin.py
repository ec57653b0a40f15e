"""Editors manage endpoints and follow deliveries in the admin: the secret is shown once, a
disabled endpoint says so, and a delivery can be sent again. Writers see none of it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.roles import OPERATOR
from tests.webhooks.conftest import START, run_queue
from webhooks import services
from webhooks.models import Delivery, Endpoint

ENDPOINTS = reverse("admin:webhooks_endpoint_changelist")
ADD_ENDPOINT = reverse("admin:webhooks_endpoint_add")
DELIVERIES = reverse("admin:webhooks_delivery_changelist")
DELAYS_IN_ALL = dt.timedelta(hours=27, minutes=35, seconds=5)


def endpoint_url(endpoint):
    return reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])


def delivery_url(delivery):
    return reverse("admin:webhooks_delivery_change", args=[delivery.pk])


def endpoint_form(endpoint, **overrides):
    data = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
    }
    if endpoint.is_active:
        data["is_active"] = "on"
    return data | overrides


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.fixture
def given_up(clock, endpoint, receiver, make_article):
    """An article whose delivery failed for a day, which disabled the endpoint."""
    receiver.status = 503
    make_article(slug="unheard", title="Unheard")
    run_queue()
    for delay in (5, 300, 1800, 7200, 18000, 36000, 36000):
        clock.shift(dt.timedelta(seconds=delay))
        run_queue()
    receiver.status = 200
    return Delivery.objects.get()


def test_an_editor_registers_an_endpoint_and_sees_its_secret_once(editor_client, editor):
    response = editor_client.post(
        ADD_ENDPOINT,
        {
            "url": "https://93.184.215.14/newsroom",
            "description": "Partner",
            "events": ["article.published", "article.unpublished"],
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    assert "it is not shown again" in response.content.decode()
    assert endpoint.events == ["article.published", "article.unpublished"]
    assert endpoint.created_by == editor
    for url in (ENDPOINTS, endpoint_url(endpoint)):
        page = editor_client.get(url)
        assert page.status_code == 200
        assert endpoint.secret not in page.content.decode()


def test_the_admin_refuses_a_private_address_as_a_form_error(editor_client):
    response = editor_client.post(
        ADD_ENDPOINT, {"url": "http://192.168.1.20/hook", "events": ["article.published"]}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "192.168.1.20 is a private address" in errors["url"][0]
    assert not Endpoint.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once(editor_client, endpoint):
    old = endpoint.secret
    response = editor_client.post(
        ENDPOINTS, {"action": "rotate_secret", "_selected_action": [endpoint.pk]}
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_writers_see_no_endpoint_and_no_delivery(writer_client, endpoint, make_article):
    make_article()
    delivery = Delivery.objects.get()
    for url in (
        ENDPOINTS,
        endpoint_url(endpoint),
        ADD_ENDPOINT,
        DELIVERIES,
        delivery_url(delivery),
    ):
        response = writer_client.get(url)
        assert response.status_code == 403, url
        assert endpoint.secret not in response.content.decode()
    send_again = reverse("admin:webhooks_delivery_send_again", args=[delivery.pk])
    assert writer_client.post(send_again).status_code == 403


def test_the_delivery_list_shows_status_event_article_attempts_and_last_http_status(
    editor_client, given_up, make_article
):
    page = editor_client.get(DELIVERIES).content.decode()
    assert "article.published" in page and ">Unheard<" in page
    assert ">Failed<" in page and ">8<" in page and ">503<" in page
    failed = editor_client.get(DELIVERIES, {"status__exact": "failed"})
    assert list(failed.context["cl"].result_list) == [given_up]
    assert (
        not editor_client.get(DELIVERIES, {"status__exact": "delivered"}).context["cl"].result_list
    )
    by_type = editor_client.get(DELIVERIES, {"event__type__exact": "article.updated"})
    assert not by_type.context["cl"].result_list


def test_a_delivery_page_lists_its_attempts_and_sends_it_again(editor_client, given_up, receiver):
    page = editor_client.get(delivery_url(given_up)).content.decode()
    assert page.count("Service unavailable") == 8  # each attempt's answer
    assert "Send again" in page
    assert 'name="_save"' not in page  # kept as it happened

    services.endpoint_enable(actor=OPERATOR, endpoint=given_up.endpoint)
    send_again = reverse("admin:webhooks_delivery_send_again", args=[given_up.pk])
    response = editor_client.post(send_again, follow=True)
    assert "will be sent again shortly" in response.content.decode()
    given_up.refresh_from_db()
    assert given_up.status == "pending"
    run_queue()
    given_up.refresh_from_db()
    assert (given_up.status, given_up.attempts, given_up.last_response_status) == (
        "delivered",
        9,
        200,
    )
    assert len(receiver.requests) == 9


def test_send_again_is_an_action_on_the_delivery_list(editor_client, clock, endpoint, make_article):
    make_article()
    run_queue()
    delivery = Delivery.objects.get()
    editor_client.post(DELIVERIES, {"action": "send_again", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    run_queue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_disabled_endpoint_is_flagged_and_turning_it_on_resumes_it(
    editor_client, given_up, receiver, make_article, editor
):
    endpoint = given_up.endpoint
    endpoint.refresh_from_db()
    shown = f"{timezone.localtime(START + DELAYS_IN_ALL):%Y-%m-%d %H:%M}"
    listing = editor_client.get(ENDPOINTS).content.decode()
    assert "1 endpoint(s) are disabled" in listing
    assert f"Disabled {shown}" in listing and "failed 8 times" in listing
    page = editor_client.get(endpoint_url(endpoint)).content.decode()
    assert f"This endpoint was disabled on {shown}" in page

    from articles.services import article_unpublish

    article_unpublish(actor=editor, article=given_up.event.article)
    assert Delivery.objects.count() == 1  # nothing new for a disabled endpoint
    response = editor_client.post(endpoint_url(endpoint), endpoint_form(endpoint, is_active="on"))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and not endpoint.disabled_reason
    assert "are disabled" not in editor_client.get(ENDPOINTS).content.decode()


def test_turning_an_endpoint_off_in_the_admin_says_who(editor_client, endpoint):
    data = endpoint_form(endpoint)
    del data["is_active"]
    editor_client.post(endpoint_url(endpoint), data)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "Turned off by editor."


@pytest.mark.parametrize("articles", [1, 6])
def test_the_delivery_list_reads_the_same_whatever_its_length(
    editor_client, clock, endpoint, make_article, django_assert_num_queries, articles
):
    for _ in range(articles):
        make_article()
    run_queue()
    # session, user and permissions (4); the endpoint filter's choices; the counts of the
    # filtered and of all deliveries; the rows with their event, endpoint and article title
    with django_assert_num_queries(8):
        response = editor_client.get(DELIVERIES)
    assert len(response.context["cl"].result_list) == articles


def test_delivering_costs_a_fixed_number_of_queries(
    clock, endpoint, make_article, django_assert_num_queries
):
    from webhooks.delivery import deliver

    make_article()
    delivery = Delivery.objects.get()
    # the claim's read and update; the outcome, the attempt and the next in line, in a
    # transaction (here a savepoint and its release)
    with django_assert_num_queries(7):
        assert deliver.call(delivery.pk) == "delivered"
