from django.db import migrations

from articles.methodology import create_default_page


def create_methodology_page(apps, schema_editor):
    create_default_page(apps.get_model("articles", "Page"))


class Migration(migrations.Migration):
    """Every disclosure links to /how-it-works/: give a new site a page there, editable."""

    dependencies = [("articles", "0009_unicode_slugs")]

    # Going back keeps the page: editors may have written it since.
    operations = [migrations.RunPython(create_methodology_page, migrations.RunPython.noop)]
