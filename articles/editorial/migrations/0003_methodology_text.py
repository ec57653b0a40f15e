"""Give the methodology page the text that explains reviews, publication gates and corrections,
unless editors have changed it since it was created."""

from django.db import migrations

from articles import methodology
from articles.rendering import render_body

EARLIER_BODY = """
We publish articles written by people and articles produced by our autonomous generation
pipeline. Every article records which it is.

## Who made an article

- **Pipeline**: the pipeline generated the article. A box above the article's text says so.
- **Assisted**: the pipeline drafted the article and our editors edited it. The box says so.
- **Human**: people wrote the article. It has no box.

For pipeline and assisted articles we also keep the version of the pipeline that produced them,
so that what readers tell us about an article is traced to the version they read.

## What the box claims

After saying how the article was made, the box names the checks recorded for that article, and
only those:

- **multi-source verified**: the article's claims were checked against several independent
  sources.
- **fact-checked**: the article was marked as fact-checked.
- **quality-scored**: the pipeline gave the article a quality score between 0 and 1.

The pipeline records these checks when it hands an article over, and our editors can correct
them. A check the box does not name was not recorded for that article.

## What the box does not claim

It does not say that an article is free of errors, that an editor read a pipeline article before
it was published, or what quality score an article received. The quality score is the pipeline's
own measure, not a rating by readers or editors.

## Sources and corrections

Articles cite their sources inline, with numbered references listed under the article. If you
find a mistake, answer "Was this article helpful?" under the article: your answer and comment go
to our editors.
"""


def update_methodology_page(apps, schema_editor):
    Page = apps.get_model("articles", "Page")
    page = Page.objects.filter(slug=methodology.SLUG).first()
    if page is None or page.body.strip() != EARLIER_BODY.strip():
        return
    page.body = methodology.BODY.strip()
    page.body_html = render_body(page.body).html
    page.save(update_fields=["body", "body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0002_group_permissions"),
        ("articles", "0014_editorial_record"),
    ]

    operations = [migrations.RunPython(update_methodology_page, migrations.RunPython.noop)]
