"""One POST to a webhook receiver: to an address `addresses.vet` passed, within a deadline,
without following redirects (a redirect is an answer like any other that is not 2xx)."""

import contextlib
import dataclasses
import http.client
import socket
import ssl
import threading

from webhooks.addresses import Target

EXCERPT_BYTES = 500


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _Connection(http.client.HTTPConnection):
    """A connection to one vetted address for the URL's host: the Host header, TLS server name
    and certificate check are the host's, whatever address it resolved to."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.default_port = 443 if target.scheme == "https" else 80  # Host leaves it out
        self.target = target
        self.address = address
        self.expired = False
        self._lock = threading.Lock()

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            if self.target.scheme == "https":
                sock = tls_context().wrap_socket(sock, server_hostname=self.target.host)
        except BaseException:
            sock.close()
            raise
        with self._lock:
            if self.expired:
                sock.close()
                raise TimeoutError
            self.sock = sock

    def expire(self):
        """End the exchange wherever it is: the timeout of a socket holds for each read, and a
        receiver that answers a byte at a time would otherwise keep the worker for ever."""
        with self._lock:
            self.expired = True
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)


def post(target: Target, body: bytes, headers: dict, *, timeout: float) -> Answer:
    """POST `body` to `target` and return the answer's status and first bytes.

    Raises OSError (TimeoutError after `timeout` seconds, a refused or reset connection, a TLS
    failure) or http.client.HTTPException for a broken answer. A vetted address that refuses
    the connection gives way to the next one the host resolved to.
    """
    for index, address in enumerate(target.addresses):
        connection = _Connection(target, address, timeout)
        deadline = threading.Timer(timeout, connection.expire)
        deadline.daemon = True
        deadline.start()
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
            if connection.expired:  # cut off mid-answer: its end never came in time
                raise TimeoutError(f"the answer did not end within {timeout:g} s")
            return Answer(status=response.status, excerpt=excerpt)
        except (OSError, http.client.HTTPException) as error:
            if connection.expired:
                raise TimeoutError(f"no answer within {timeout:g} s") from error
            last = index == len(target.addresses) - 1
            if connection.sock is not None or last or not isinstance(error, OSError):
                raise
        finally:
            deadline.cancel()
            connection.close()
    raise OSError(f"{target.host} resolved to no address")
