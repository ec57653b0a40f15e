"""Where webhooks may go: http or https addresses on the public internet only, unless
WEBHOOK_ALLOW_PRIVATE is set.

A name is resolved once and every address it resolves to is checked; the request then goes to an
address that passed, so a name that resolves elsewhere a moment later (DNS rebinding) cannot
turn a receiver into a way into the newsroom's own network.
"""

import dataclasses
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.encoding import iri_to_uri

DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """The address may not be sent to; the message says why."""


@dataclasses.dataclass(frozen=True)
class Target:
    """Where one request goes: the URL's scheme, host (for the Host header and TLS) and path,
    and the vetted IP addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...] = ()


def parse(url: str) -> Target:
    """Split `url` into a Target without addresses; refuse what we never send to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"{url!r} is not a valid address ({error}).") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise Refused("Use an http:// or https:// address.")
    if not parts.hostname:
        raise Refused("The address needs a host name.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Put no user name or password in the address.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:  # requests are ASCII: a name in another script is sent as IDNA, a path percent-encoded
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise Refused(f"{parts.hostname!r} is not a valid host name.") from None
    return Target(
        scheme=parts.scheme,
        host=host,
        port=port or DEFAULT_PORTS[parts.scheme],
        path=iri_to_uri(path),
    )


def refusal(address: str) -> str | None:
    """Return what kind of non-public address `address` is ("loopback"…), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    elif ip.version == 6 and ip.sixtofour is not None:  # 2002::/16 carries an IPv4 address
        ip = ip.sixtofour
    kinds = [
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),  # shared address space (100.64.0.0/10) and the like
    ]
    return next((kind for kind, applies in kinds if applies), None)


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Return the IP addresses `host` resolves to, in the resolver's order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return tuple(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))


def vet(url: str) -> Target:
    """Resolve `url`'s host and return where to connect; refuse a private address."""
    target = parse(url)
    try:
        found = resolve(target.host, target.port)
    except OSError as error:
        raise Refused(f"{target.host} could not be resolved ({error}).") from None
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        _check_public(target.host, found)
    return dataclasses.replace(target, addresses=found)


def check_url(url: str) -> None:
    """Refuse, as a form error on `url`, an address webhooks may not be sent to.

    A name that does not resolve now is accepted: the receiver may not be up yet, and every
    send checks again.
    """
    try:
        target = parse(url)
        if settings.WEBHOOK_ALLOW_PRIVATE:
            return
        try:
            found = resolve(target.host, target.port)
        except OSError:
            return
        _check_public(target.host, found)
    except Refused as refused:
        raise ValidationError({"url": str(refused)}) from None


def _check_public(host: str, found: tuple[str, ...]) -> None:
    for address in found:
        kind = refusal(address)
        if kind:
            shown = host if host == address else f"{host} resolves to {address}, which"
            article = "an" if kind[0] in "aeiou" else "a"
            raise Refused(
                f"{shown} is {article} {kind} address: webhooks go to public addresses only "
                "(WEBHOOK_ALLOW_PRIVATE=1 allows others)."
            )
