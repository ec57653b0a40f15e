import django.utils.timezone
from collections import defaultdict

from django.db import migrations, models


def fill_tag_ids(apps, schema_editor):
    """Give existing articles their tag ids; their page parts are rendered when first viewed."""
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    tag_ids = defaultdict(list)
    for article_id, tag_id in TaggedArticle.objects.values_list("content_object_id", "tag_id"):
        tag_ids[article_id].append(tag_id)
    articles = [Article(pk=pk, tag_ids=sorted(ids)) for pk, ids in tag_ids.items()]
    Article.objects.bulk_update(articles, ["tag_ids"], batch_size=1000)


class Migration(migrations.Migration):

    """Store the article page's parts, with the version of the templates they come from."""

    dependencies = [
        ('articles', '0010_methodology_page'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='content_html',
            field=models.TextField(default='', editable=False, help_text="The page's article: header, disclosure, body, references and tags."),
        ),
        migrations.AddField(
            model_name='article',
            name='head_html',
            field=models.TextField(default='', editable=False, help_text="The page's metadata and JSON-LD, as stored."),
        ),
        migrations.AddField(
            model_name='article',
            name='render_version',
            field=models.CharField(default='', editable=False, help_text='The templates and settings the stored parts were rendered with.', max_length=64),
        ),
        migrations.AddField(
            model_name='article',
            name='tag_ids',
            field=models.JSONField(default=list, editable=False, help_text="The ids of the article's tags when its parts were last stored."),
        ),
        migrations.AlterField(
            model_name='article',
            name='updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(fill_tag_ids, migrations.RunPython.noop),
    ]
