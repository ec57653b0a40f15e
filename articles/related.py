"""Related articles: what to read next after an article.

The ranking: most tags shared with the article, then the same section, then the most recent.
It looks only at the newest RELATED_CANDIDATES articles carrying any of the article's tags, read
tag by tag from the (tag, newest article) index, so it costs the same for a tag on ten articles
as for one on ten thousand. When too few share a tag, recent articles of the same section fill
the rest.

The ranking is one SQL statement written by hand: it runs on every uncached article page, and
the ORM's version cost about four times as much (building the query in Python, and a count per
candidate in the database). Which articles a reader may see still comes from `published()`.
"""

from django.db import connection

from articles.models import LONG_FIELDS, Article, Section, TaggedArticle

# How many of the newest articles carrying any of an article's tags the ranking considers.
RELATED_CANDIDATES = 100

CARD_FIELDS = [field for field in Article._meta.concrete_fields if field.name not in LONG_FIELDS]
SECTION_COLUMN = "section__{}"  # how the section's columns are named in the ranking's rows


def related_articles(article, tag_ids, limit):
    """Return up to `limit` published articles to read next after `article`, which carries the
    tags `tag_ids`; each comes with its section."""
    related = ranked_by_shared_tags(article, tag_ids, limit) if tag_ids else []
    if len(related) < limit:
        shown = [article.pk, *(other.pk for other in related)]
        related += (
            Article.objects.published()
            .card_fields()
            .filter(section_id=article.section_id)
            .exclude(pk__in=shown)[: limit - len(related)]
        )
    return related


def ranked_by_shared_tags(article, tag_ids, limit):
    quote = connection.ops.quote_name
    articles, sections, links = (
        quote(model._meta.db_table) for model in (Article, Section, TaggedArticle)
    )
    newest_of_each_tag = " UNION ALL ".join(
        f"SELECT content_object_id FROM ("
        f"SELECT content_object_id FROM {links} WHERE tag_id = %s AND content_object_id <> %s "
        f"ORDER BY content_object_id DESC LIMIT {RELATED_CANDIDATES}) AS tag_{number}"
        for number in range(len(tag_ids))
    )
    visible, visible_params = visibility_condition()
    columns = [f"{articles}.{quote(field.column)}" for field in CARD_FIELDS] + [
        f"{sections}.{quote(field.column)} AS {SECTION_COLUMN.format(field.attname)}"
        for field in Section._meta.concrete_fields
    ]
    # An article's links sit together in the newest-first window, so counting them there
    # counts the tags it shares (the window's last article may have some just outside it).
    sql = f"""
        SELECT {", ".join(columns)}
        FROM (
            SELECT content_object_id, COUNT(*) AS shared_tags
            FROM (
                SELECT content_object_id FROM ({newest_of_each_tag}) AS links
                ORDER BY content_object_id DESC LIMIT {RELATED_CANDIDATES}
            ) AS candidates
            GROUP BY content_object_id
        ) AS ranked
        JOIN {articles} ON {articles}.id = ranked.content_object_id
        JOIN {sections} ON {sections}.id = {articles}.section_id
        WHERE {visible}
        ORDER BY ranked.shared_tags DESC,
            CASE WHEN {articles}.section_id = %s THEN 1 ELSE 0 END DESC,
            {articles}.published_at DESC, {articles}.id DESC
        LIMIT %s
    """
    link_params = [value for tag_id in tag_ids for value in (tag_id, article.pk)]
    rows = Article.objects.raw(sql, [*link_params, *visible_params, article.section_id, limit])
    return [with_section(related) for related in rows]


def visibility_condition():
    """The SQL condition of `Article.objects.published()`, with its parameters."""
    query = Article.objects.published().query
    return query.get_compiler(connection=connection).compile(query.where)


def with_section(article):
    """Attach the section read in the same row, as select_related would."""
    names = [field.attname for field in Section._meta.concrete_fields]
    values = [article.__dict__.pop(SECTION_COLUMN.format(name)) for name in names]
    article.section = Section.from_db(connection.alias, names, values)
    return article
