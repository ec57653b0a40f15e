"""What readers will see change: the content keys a write touched, announced once it commits.

A content key names something a public page can show. Pages know the keys of what they show
(the delivery layer collects them); write services record the keys they touched, and
`content_changed` is sent once per transaction, after it commits, with all of them. Whatever
must follow a change readers can see (the page cache, later an edge cache or webhooks) listens
to that signal; nothing here knows who listens.

The keys:
- ``article:<id>``: an article's own fields, wherever they show (its page, its cards, feeds).
- ``section:<id>``, ``tag:<id>``, ``page:<id>``: a section's, tag's or editorial page's own
  fields (names in the navigation and badges, a page's text).
- ``list:all``: which articles are published, and in what order: the front page, archives, the
  main feeds, sitemaps and the tag index.
- ``list:section:<id>``, ``list:tag:<id>``: the published articles of one section or tag: its
  page and feeds (and, for a section, the related articles its latest fill).
- ``related:<id>``: which articles an article's page lists as related (`articles.related`).
- ``list:search``: the searchable text of published articles (search results).
- ``list:changes``: the public change log of every article (`/corrections/` and its feeds).
- ``article:any``, ``tag:any``: some published article's or tag's own fields; shown by pages
  that list too many to name each one (sitemaps, the tag index).
- ``schedule``: when the next scheduled article goes live.
- ``site``: everything (a cache that lost writes, an operator's purge).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger("newsroom.changes")

# Sent once per committed transaction that changed what readers see, with `keys` (a frozenset).
content_changed = Signal()
# Sent inside the transaction of every article write, with `article` (as saved; as it was, for
# a delete), `before` and `after` (ArticleState; None for "did not exist"), `public_change` (the
# kind of public change it announced, or "") and `revised` (it recorded a revision). What must
# follow a write durably, such as webhook events, is stored with the write or not at all.
article_written = Signal()

SITE = "site"
ALL_ARTICLES = "list:all"
SEARCH = "list:search"
CHANGE_LOG = "list:changes"
ANY_ARTICLE = "article:any"
ANY_TAG = "tag:any"
SCHEDULE = "schedule"
# How far apart the clocks of two servers may be.
CLOCK_MARGIN = dt.timedelta(minutes=1)


def article_key(pk) -> str:
    return f"article:{pk}"


def section_key(pk) -> str:
    return f"section:{pk}"


def tag_key(pk) -> str:
    return f"tag:{pk}"


def page_key(pk) -> str:
    return f"page:{pk}"


def related_key(pk) -> str:
    return f"related:{pk}"


def section_list_key(pk) -> str:
    return f"list:section:{pk}"


def tag_list_key(pk) -> str:
    return f"list:tag:{pk}"


@dataclasses.dataclass(frozen=True)
class ArticleState:
    """What readers could see of one article at one moment, as far as lists are concerned."""

    pk: int
    status: str
    published_at: dt.datetime | None
    section_id: int
    tag_ids: frozenset[int]
    featured: bool
    retracted: bool = False

    @classmethod
    def of(cls, article, tag_ids) -> ArticleState:
        return cls(
            article.pk,
            article.status,
            article.published_at,
            article.section_id,
            frozenset(tag_ids),
            article.featured,
            article.retracted_at is not None,
        )

    # Near its publication time an article counts as both visible and scheduled: the server
    # that writes it and the one that takes it live may not agree on the time to the second.
    @property
    def is_readable(self) -> bool:
        """Its page is up (a retracted article's stays, with the notice)."""
        return self.status == "published" and self.published_at <= timezone.now() + CLOCK_MARGIN

    @property
    def is_visible(self) -> bool:
        """It is in the lists."""
        return self.is_readable and not self.retracted

    @property
    def is_scheduled(self) -> bool:
        return self.status == "published" and self.published_at > timezone.now() - CLOCK_MARGIN

    def list_keys(self) -> set[str]:
        return {
            ALL_ARTICLES,
            SEARCH,
            section_list_key(self.section_id),
            *(tag_list_key(pk) for pk in self.tag_ids),
        }


def article_keys(before: ArticleState | None, after: ArticleState | None) -> set[str]:
    """Return the keys a write of one article touched; None is "did not exist".

    An article readers could not see before nor after touches nothing they see (a change to a
    scheduled one moves the schedule). Otherwise its own key, and, when it enters, leaves or
    moves within lists (visibility, retraction, date, section, tags, featured), every list it
    was or is in.
    """
    keys = set()
    if any(state is not None and state.is_scheduled for state in (before, after)):
        keys.add(SCHEDULE)
    readable = [state for state in (before, after) if state is not None and state.is_readable]
    if not readable:
        return keys
    keys |= {article_key(readable[0].pk), ANY_ARTICLE, SEARCH}
    visible = [state for state in readable if not state.retracted]
    if not visible:
        return keys
    if len(visible) == 1 or _list_position(before) != _list_position(after):
        for state in visible:
            keys |= state.list_keys()
    return keys


def _list_position(state: ArticleState) -> tuple:
    return (state.published_at, state.section_id, state.tag_ids, state.featured)


def record(keys) -> None:
    """Note that readers will see `keys` change once the current transaction commits.

    Keys recorded in one transaction (however many services it calls) are sent together, once,
    after it commits; nothing is sent for a transaction or savepoint that rolls back. Outside a
    transaction they are sent at once.
    """
    keys = set(keys)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(keys)
        return
    pending = getattr(connection, "newsroom_pending_change", None)
    # A rollback drops the commit hook with the keys recorded under it; start afresh then.
    if pending is None or not any(hook is pending for _, hook, _ in connection.run_on_commit):
        pending = connection.newsroom_pending_change = _PendingChange()
        transaction.on_commit(pending)
    pending.keys |= keys


class _PendingChange:
    def __init__(self):
        self.keys = set()

    def __call__(self):
        _send(self.keys)


def _send(keys) -> None:
    # The write has committed: a listener that fails (a cache or edge that is down) must not
    # turn it into an error for the writer.
    for receiver, error in content_changed.send_robust(sender=record, keys=frozenset(keys)):
        if isinstance(error, Exception):
            logger.error(
                "%s failed to follow a change of %s: %r",
                getattr(receiver, "__qualname__", receiver),
                ", ".join(sorted(keys)),
                error,
                exc_info=error,
            )
