"""Keep each article's search vector in its table row on PostgreSQL (storage MAIN), not in the
TOAST table beside it, where search read it with an index lookup per article: ranking the
1,000 newest matches of a search took 2.5–6.5 ms that way and about 1 ms from the row
(bench/README.md, "Search"). The longer fields (the body in its forms, the stored page parts)
stay in the TOAST table."""

from django.db import migrations

INLINE = "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN"
OUT_OF_LINE = "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE EXTENDED"
# A stored vector moves only when written: write each one again, as a new value.
REWRITE = (
    "UPDATE articles_article SET search_vector = search_vector || ''::tsvector "
    "WHERE search_vector IS NOT NULL"
)


def store_inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INLINE)
        schema_editor.execute(REWRITE)


def store_out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OUT_OF_LINE)


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_article_lead_image")]

    operations = [migrations.RunPython(store_inline, store_out_of_line, elidable=False)]
