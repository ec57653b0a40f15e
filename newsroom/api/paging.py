"""The article list's pages: times given as filters, and the cursors that carry on."""

import base64
import binascii
import datetime as dt
import json

from articles.importing import parse_json
from articles.models import Article
from newsroom.api import problems


def moment(value: str, field: str) -> dt.datetime:
    """Read `value` (a parameter named `field`) as an ISO 8601 moment with a UTC offset."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        message = f"{value!r} is not an ISO 8601 date and time."
        raise problems.invalid(message, field=field) from None
    if parsed.tzinfo is None:
        raise problems.invalid(
            f"{value!r} has no UTC offset; write e.g. 2026-04-07T09:30:00+00:00.", field=field
        )
    try:
        return parsed.astimezone(dt.UTC)  # as the database compares it
    except OverflowError:
        raise problems.invalid(f"{value!r} is out of the range of dates.", field=field) from None


def cursor_after(article: Article) -> str:
    """The cursor of the page after the one `article` ends."""
    text = json.dumps([article.updated_at.isoformat(), article.pk])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """Read a cursor `cursor_after` made: the time and id the next page starts after."""
    refused = problems.invalid(
        "is not a cursor this API gave (pass `next_cursor` as it is).", field="cursor"
    )
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        after, pk = parse_json(text)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise refused from None
    if not isinstance(after, str) or type(pk) is not int:
        raise refused
    try:
        return moment(after, "cursor"), pk
    except problems.Problem:
        raise refused from None


def next_page(request, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
