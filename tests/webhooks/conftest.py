import datetime as dt
import json
import signal
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from standardwebhooks import Webhook

from articles.editorial.recording import Edit
from articles.models import Article
from articles.roles import OPERATOR
from articles.services import article_update
from webhooks import services

START = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer


class Receiver:
    """A webhook receiver on 127.0.0.1, served by a thread: it keeps every request it gets and
    answers with `status` (or resets the connection, or answers late, as told)."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.status_for = None  # a function of the JSON body, instead of `status`
        self.reset = False
        self.garbage = False  # answer with something that is not HTTP
        self.delay = 0.0
        self.hold = None  # a threading.Event the answer waits for
        self.answer = None  # the answer's body, instead of the usual one
        self.drip = 0.0  # seconds between the answer's headers
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if receiver.hold is not None:
                    receiver.hold.wait(5)
                if receiver.garbage:
                    self.wfile.write(receiver.answer or b"Not HTTP at all\r\n\r\n")
                    self.close_connection = True
                    return
                if receiver.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.status
                if receiver.status_for is not None:
                    status = receiver.status_for(json.loads(body))
                answer = b'{"ok": true}' if status < 300 else b"Service unavailable"
                answer = receiver.answer if receiver.answer is not None else answer
                self.send_response(status)
                if receiver.drip:
                    self.flush_headers()
                    for number in range(4):
                        time.sleep(receiver.drip)
                        self.wfile.write(f"X-Slow-{number}: yes\r\n".encode())
                        self.wfile.flush()
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    @property
    def events(self):
        """The JSON bodies received, in order."""
        return [json.loads(request["body"]) for request in self.requests]

    def types(self):
        return [(event["type"], event["data"]["article"]["slug"]) for event in self.events]


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


@pytest.fixture
def clock(db):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def endpoint(db, receiver, allow_private):
    """An endpoint on the receiver, subscribed to every event type."""
    return services.endpoint_create(actor=OPERATOR, url=receiver.url)


def edit(article, actor, *, kind="", text="", **fields):
    """Change `article` as `actor` with the public change `kind` (empty: a silent fix)."""
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article_update(
        actor=actor, article=article, edit=Edit(change_kind=kind, change_text=text)
    )


def run_queue():
    """Run the queue as `run_worker --batch` does: every task due now, then return.

    The worker closes connections it finds in a transaction, as a long-running process
    should; here that transaction is the test's own, which keeps tests apart, so it stays.
    """
    handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    try:
        with mock.patch.object(db_worker, "close_old_connections"):
            call_command("run_worker", batch=True, stdout=StringIO(), stderr=StringIO())
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def verified(request, secret):
    """Return the request's JSON body if its Standard Webhooks signature checks out."""
    return Webhook(secret).verify(request["body"], request["headers"])
