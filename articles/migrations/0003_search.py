import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models import Value

from articles.rendering import render_body


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """A GIN index exists only on PostgreSQL; SQLite (the small-site mode) searches without it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fill_search_fields(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    postgres = schema_editor.connection.vendor == "postgresql"
    for article in Article.objects.all():
        article.body_text = render_body(article.body).text
        article.save(update_fields=["body_text"])
        if postgres:
            tags = TaggedArticle.objects.filter(content_object=article)
            names = " ".join(tags.values_list("tag__name", flat=True))
            Article.objects.filter(pk=article.pk).update(
                search_vector=SearchVector("title", weight="A", config="english")
                + SearchVector("dek", weight="B", config="english")
                + SearchVector(Value(names), weight="B", config="english")
                + SearchVector("body_text", weight="C", config="english")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_article_revision"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_text",
            field=models.TextField(default="", editable=False, help_text="The body as plain text."),
        ),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        AddIndexOnPostgreSQL(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_vector_idx"
            ),
        ),
        migrations.RunPython(fill_search_fields, migrations.RunPython.noop),
    ]
