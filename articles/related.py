"""Related articles: what to read next after an article.

The ranking: most tags shared with the article, then the same section, then the most recent,
among the newest RELATED_CANDIDATES articles carrying any of its tags. When too few share a tag,
the newest articles of the same section fill the rest.

It runs on every article page the page cache does not answer, so it is built from pieces that
every article shares rather than from a query of its own: each tag's newest articles and each
section's newest articles (a "window": ids, sections and dates), and each related article's card.
Each worker keeps them in its memory (the "local" cache) under the content version, so a change
readers could see starts them afresh and none is ever stale; whatever is missing is read in one
query for the windows and one for the cards. Both queries are written by hand, as this is the
site's hottest path and the ORM's versions cost two to three times as much.
"""

import heapq
from collections import Counter

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from articles import page_cache
from articles.models import LONG_FIELDS, Article, Section, TaggedArticle

# How many of the newest articles carrying any of an article's tags the ranking considers.
RELATED_CANDIDATES = 100
# What a card shows: everything but the body in its three forms (as `card_fields()` reads).
CARD_FIELDS = [field for field in Article._meta.concrete_fields if field.name not in LONG_FIELDS]
SECTION_COLUMN = "section__{}"  # how the section's columns are named in a card's row


def related_articles(article, tag_ids, limit, version=None):
    """Return up to `limit` published articles to read next after `article`, which carries the
    tags `tag_ids`, each with its section. `version` is the request's content version."""
    store = RelatedCache(version or page_cache.current_version())
    # Each window holds one more than is needed, in case it holds the article itself.
    tag_windows = [("tag", tag_id, RELATED_CANDIDATES + 1) for tag_id in tag_ids]
    section_window = ("section", article.section_id, 2 * limit)
    windows = store.windows([*tag_windows, section_window])
    ranked = rank(article, [windows[key] for key in tag_windows], limit)
    for pk, _, _ in windows[section_window]:
        if len(ranked) < limit and pk != article.pk and pk not in ranked:
            ranked.append(pk)
    return store.cards(ranked)


def rank(article, tag_windows, limit):
    """Return the ids of the best `limit` candidates, best first. The newest links come from
    each tag's window: an article's count among them is the number of tags it shares."""
    links = heapq.nlargest(
        RELATED_CANDIDATES,
        (entry for window in tag_windows for entry in window if entry[0] != article.pk),
        key=lambda entry: entry[0],
    )
    shared_tags = Counter(pk for pk, _, _ in links)
    details = {pk: (section_id, published_at) for pk, section_id, published_at in links}

    def score(pk):
        section_id, published_at = details[pk]
        return shared_tags[pk], section_id == article.section_id, published_at, pk

    return sorted(shared_tags, key=score, reverse=True)[:limit]


class RelatedCache:
    """The windows and cards of one content version, from this worker's memory or, when
    missing, the database."""

    def __init__(self, version):
        self.version = version
        self.cache = caches["local"]

    def key(self, *parts):
        return ":".join(["related", self.version, *map(str, parts)])

    def windows(self, keys):
        """Return {key: [(id, section id, published at), …] newest first} for keys of the form
        ("tag", id, size) or ("section", id, size)."""
        return self.fetch(keys, lambda key: self.key(*key), read_windows)

    def cards(self, ids):
        """Return the articles `ids` as their cards show them (with the section), in order."""
        cards = self.fetch(ids, lambda pk: self.key("card", pk), read_cards)
        return [cards[pk] for pk in ids if pk in cards]

    def fetch(self, keys, name, read):
        """Return {key: value} from memory, where `name(key)` is stored; `read(missing keys)`
        reads the rest from the database, and they are kept for the next page."""
        names = {key: name(key) for key in keys}
        found = self.cache.get_many(list(names.values()))
        values = {key: found[names[key]] for key in keys if names[key] in found}
        missing = [key for key in keys if key not in values]
        if missing:
            read_now = read(missing)
            self.cache.set_many(
                {names[key]: value for key, value in read_now.items()},
                settings.PAGE_CACHE_SECONDS,
            )
            values.update(read_now)
        return values


def read_windows(keys):
    """Read the windows `keys` (see RelatedCache.windows) in one query."""
    quote = connection.ops.quote_name
    articles, links = (quote(model._meta.db_table) for model in (Article, TaggedArticle))
    visible, visible_params = visibility_condition()
    columns = f"{articles}.id, {articles}.section_id, {articles}.published_at"
    selects, params = [], []
    for number, (kind, pk, size) in enumerate(keys):
        if kind == "tag":
            select = (
                f"SELECT {number} AS window_number, {columns} FROM {links} "
                f"JOIN {articles} ON {articles}.id = {links}.content_object_id "
                f"WHERE {links}.tag_id = %s AND {visible} "
                f"ORDER BY {links}.content_object_id DESC LIMIT {size:d}"
            )
        else:
            select = (
                f"SELECT {number} AS window_number, {columns} FROM {articles} "
                f"WHERE {articles}.section_id = %s AND {visible} "
                f"ORDER BY {articles}.published_at DESC, {articles}.id DESC LIMIT {size:d}"
            )
        selects.append(f"SELECT * FROM ({select}) AS window_{number}")
        params += [pk, *visible_params]
    windows = {key: [] for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        # published_at comes as the database gives it (on SQLite, an ISO 8601 string): it is
        # only compared with others of its kind, to rank by recency.
        for number, pk, section_id, published_at in cursor.fetchall():
            windows[keys[number]].append((pk, section_id, published_at))
    for (kind, _, _), window in windows.items():  # newest first, whatever order UNION kept
        window.sort(
            key=(lambda e: e[0]) if kind == "tag" else (lambda e: (e[2], e[0])), reverse=True
        )
    return windows


def read_cards(ids):
    """Read the cards of the articles `ids` (taken from windows, so visible in this content
    version), each with its section, in one query: {id: article}."""
    quote = connection.ops.quote_name
    articles, sections = (quote(model._meta.db_table) for model in (Article, Section))
    columns = [f"{articles}.{quote(field.column)}" for field in CARD_FIELDS] + [
        f"{sections}.{quote(field.column)} AS {SECTION_COLUMN.format(field.attname)}"
        for field in Section._meta.concrete_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {articles} "
        f"JOIN {sections} ON {sections}.id = {articles}.section_id "
        f"WHERE {articles}.id IN ({', '.join(['%s'] * len(ids))})"
    )
    return {card.pk: with_section(card) for card in Article.objects.raw(sql, ids)}


def with_section(article):
    """Attach the section read in the same row, as select_related would."""
    names = [field.attname for field in Section._meta.concrete_fields]
    values = [article.__dict__.pop(SECTION_COLUMN.format(name)) for name in names]
    article.section = Section.from_db(connection.alias, names, values)
    return article


def visibility_condition():
    """The SQL condition of `Article.objects.published()`, with its parameters."""
    query = Article.objects.published().query
    return query.get_compiler(connection=connection).compile(query.where)
