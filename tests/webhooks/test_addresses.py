"""Webhooks go to public http(s) addresses only: a private one is refused when the endpoint is
registered and again at every send, after resolving the name, whose vetted address is then
the one connected to."""

import base64
import shutil
import ssl
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.roles import OPERATOR
from tests.webhooks.conftest import run_queue
from webhooks import addresses, services, transport
from webhooks.models import Delivery, Endpoint


def add_webhook(*args):
    out = StringIO()
    call_command("add_webhook", *args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost/hook", "localhost resolves to 127.0.0.1, which is a loopback address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://192.168.0.7/hook", "is a private address"),
        ("http://169.254.169.254/latest/meta-data", "is a link-local address"),
        ("http://[::1]:9000/hook", "::1 is a loopback address"),
        ("http://[::ffff:10.0.0.1]/hook", "is a private address"),
        ("http://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
        ("http://[2002:7f00:1::]/hook", "is a loopback address"),
        ("http://[2002:a9fe:a9fe::1]/hook", "is a link-local address"),
        ("http://224.0.0.1/hook", "is a multicast address"),
        ("http://100.64.0.1/hook", "is a non-public address"),
        ("ftp://93.184.215.14/hook", "Use an http:// or https:// address."),
        ("https://user:secret@93.184.215.14/hook", "no user name or password"),
    ],
)
def test_add_webhook_refuses_addresses_that_are_not_public_http(db, url, refusal):
    with pytest.raises(CommandError, match=refusal.replace("[", r"\[").replace(".", r"\.")):
        add_webhook(url)
    assert not Endpoint.objects.exists()


def test_private_addresses_are_allowed_when_the_setting_says_so(db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    add_webhook("http://localhost:9000/hook")
    assert Endpoint.objects.get().url == "http://localhost:9000/hook"


def test_add_webhook_prints_the_secret_last(db):
    lines = add_webhook(
        "https://93.184.215.14/hook",
        "--events",
        "article.published,article.retracted",
        "--description",
        "The partner feed",
    )
    endpoint = Endpoint.objects.get()
    assert lines[-1] == endpoint.secret and lines[-1].startswith("whsec_")
    assert len(base64.b64decode(lines[-1].removeprefix("whsec_"))) >= 24
    assert endpoint.events == ["article.published", "article.retracted"]
    assert endpoint.description == "The partner feed"
    assert endpoint.created_by is None


def test_add_webhook_subscribes_to_every_event_by_default_and_secrets_differ(db):
    first = add_webhook("https://93.184.215.14/one")[-1]
    second = add_webhook("https://93.184.215.14/two")[-1]
    assert first != second
    assert Endpoint.objects.first().events == [
        "article.published",
        "article.updated",
        "article.corrected",
        "article.retracted",
        "article.unpublished",
    ]


def test_add_webhook_refuses_an_unknown_event_with_a_non_zero_exit(db):
    with pytest.raises(CommandError, match="Unknown event type article.deleted"):
        add_webhook("https://93.184.215.14/hook", "--events", "article.published,article.deleted")
    assert not Endpoint.objects.exists()


def test_a_name_that_resolves_to_a_private_address_at_send_time_is_refused(
    clock, receiver, settings, make_article
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    url = receiver.url.replace("127.0.0.1", "localhost")
    endpoint = services.endpoint_create(actor=OPERATOR, url=url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    make_article()
    run_queue()
    assert receiver.requests == []
    delivery = Delivery.objects.get(endpoint=endpoint)
    [attempt] = delivery.attempt_log.all()
    assert attempt.error.startswith(
        "Refused: localhost resolves to 127.0.0.1, which is a loopback address"
    )
    assert delivery.status == "pending"  # the name may resolve elsewhere by the next try


def test_a_name_that_moves_to_a_private_address_after_registration_is_refused(
    clock, receiver, settings, make_article, monkeypatch
):
    """DNS rebinding: the address checked is the address connected to."""
    answers = {"hooks.example.com": ["93.184.215.14"]}
    monkeypatch.setattr(addresses, "resolve", lambda host, port: tuple(answers[host]))
    endpoint = services.endpoint_create(
        actor=OPERATOR, url=f"http://hooks.example.com:{receiver.server.server_port}/"
    )
    answers["hooks.example.com"] = ["93.184.215.14", "127.0.0.1"]
    make_article()
    run_queue()
    assert receiver.requests == []
    [attempt] = Delivery.objects.get(endpoint=endpoint).attempt_log.all()
    assert "hooks.example.com resolves to 127.0.0.1" in attempt.error


def test_the_request_goes_to_the_vetted_address_for_the_name_in_the_url(
    clock, receiver, allow_private, make_article, monkeypatch
):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ("127.0.0.1",))
    port = receiver.server.server_port
    services.endpoint_create(actor=OPERATOR, url=f"http://hooks.example.com:{port}/in")
    make_article()
    run_queue()
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{port}"
    assert request["path"] == "/in"


def test_an_address_that_refuses_gives_way_to_the_next_one_the_name_resolves_to(
    clock, receiver, allow_private, make_article, monkeypatch
):
    # Nothing listens on ::1 at the receiver's port; 127.0.0.1 has the receiver.
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ("::1", "127.0.0.1"))
    port = receiver.server.server_port
    services.endpoint_create(actor=OPERATOR, url=f"http://both.example:{port}/")
    make_article()
    run_queue()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == "delivered"


@pytest.fixture
def tls_receiver(receiver, tmp_path):
    """The receiver behind TLS with a certificate for hooks.example.com; it notes the server
    names clients ask for (SNI)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=hooks.example.com",
            "-addext",
            "subjectAltName=DNS:hooks.example.com",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server_names = []
    context.sni_callback = lambda sock, name, ctx: receiver.server_names.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    receiver.trusted = str(cert)
    return receiver


def test_https_goes_to_the_vetted_address_with_the_urls_name_for_tls(
    clock, tls_receiver, allow_private, make_article, monkeypatch
):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ("127.0.0.1",))
    monkeypatch.setattr(
        transport, "tls_context", lambda: ssl.create_default_context(cafile=tls_receiver.trusted)
    )
    port = tls_receiver.server.server_port
    right = services.endpoint_create(actor=OPERATOR, url=f"https://hooks.example.com:{port}/in")
    wrong = services.endpoint_create(actor=OPERATOR, url=f"https://other.example.com:{port}/in")
    make_article()
    run_queue()
    [request] = tls_receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{port}"
    assert "hooks.example.com" in tls_receiver.server_names
    assert Delivery.objects.get(endpoint=right).status == "delivered"
    [refused] = Delivery.objects.get(endpoint=wrong).attempt_log.all()
    assert "CERTIFICATE_VERIFY_FAILED" in refused.error


def test_a_path_and_name_in_other_scripts_are_sent_encoded(
    clock, receiver, allow_private, make_article, monkeypatch
):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ("127.0.0.1",))
    port = receiver.server.server_port
    services.endpoint_create(actor=OPERATOR, url=f"http://zürich.example:{port}/ü?q=ß")
    make_article()
    run_queue()
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"xn--zrich-kva.example:{port}"
    assert request["path"] == "/%C3%BC?q=%C3%9F"
