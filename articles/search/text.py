"""The query as searched, and excerpts with its words marked."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_LENGTH = 200
MAX_FALLBACK_TERMS = 8
SNIPPET_WORDS = 30
# Markers put around matches; the text is escaped before they become <mark>.
MARK_START, MARK_STOP = "⟦", "⟧"


def clean_query(raw: str) -> tuple[str, bool]:
    """Return the query as searched (control characters dropped, spaces folded) and whether
    it had to be shortened to MAX_QUERY_LENGTH characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    text = " ".join(printable.split()).replace(MARK_START, "").replace(MARK_STOP, "")
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    shortened = text[: MAX_QUERY_LENGTH + 1].rsplit(" ", 1)[0]  # never cut a word in two
    return shortened[:MAX_QUERY_LENGTH], True


def terms(text: str) -> list[str]:
    """Return the words every match must contain where the database has no full-text search."""
    return text.split()[:MAX_FALLBACK_TERMS]


def marked_html(marked: str) -> SafeString:
    """Return `marked` escaped, with its match markers as <mark> elements."""
    html = escape(marked).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our <mark> tags added


def excerpt(body: str, words: list[str]) -> str:
    """Cut a window of the body around the first match and put markers around matches."""
    body_words = body.split()
    pattern = re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None
    first_hit = 0
    if pattern:
        first_hit = next((i for i, word in enumerate(body_words) if pattern.search(word)), 0)
    start = max(0, first_hit - SNIPPET_WORDS // 3)
    window = " ".join(body_words[start : start + SNIPPET_WORDS])
    if pattern:
        window = pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_STOP}", window)
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(body_words) else ""
    return f"{prefix}{window}{suffix}"
