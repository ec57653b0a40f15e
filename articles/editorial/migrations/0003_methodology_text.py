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


# Frozen here: a later edit of articles/methodology.py must not change what this writes.
BODY = """
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
- **An editor reviewed it on** a date: an editor read the article and approved it as it reads
  now. The approval is for that version: if the pipeline or a writer changes what the article
  says afterwards, the box stops saying so until an editor approves it again.

The pipeline records these checks when it hands an article over, and our editors can correct
them. A check the box does not name was not recorded for that article.

## What the box does not claim

It does not say that an article is free of errors, or what quality score an article received.
When the box does not say that an editor reviewed an article, no editor approved that version:
the pipeline published it after it passed the checks below. The quality score is the pipeline's
own measure, not a rating by readers or editors.

## Before the pipeline publishes

An article the pipeline asks to publish goes live only if it cites at least two sources, every
citation in its text points to a listed source and every source is cited, it records how it was
made, its quality score is at least 0.7, and it is not a near copy of an article we published in
the last 30 days. An article that fails any of these waits for an editor. If an editor publishes
it anyway, we keep a record of who decided and why.

## Corrections

When we correct, clarify or update an article after publishing it, we say so at the top of the
article or in its list of changes at the end, with the date, and say what was wrong as well as
what is right now. The article then shows when it was last updated. We fix typos without a
notice. An article we retract stays online with the retraction notice, so that links to it
still explain what happened, but leaves our lists and feeds. Every notice is also listed, newest
first, on our [corrections page](/corrections/).

## Sources and feedback

Articles cite their sources inline, with numbered references listed under the article. If you
find a mistake, answer "Was this article helpful?" under the article: your answer and comment go
to our editors.
"""

def update_methodology_page(apps, schema_editor):
    Page = apps.get_model("articles", "Page")
    page = Page.objects.filter(slug=methodology.SLUG).first()
    if page is None or page.body.strip() != EARLIER_BODY.strip():
        return
    page.body = BODY.strip()
    page.body_html = render_body(page.body).html
    page.save(update_fields=["body", "body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0002_group_permissions"),
        ("articles", "0014_editorial_record"),
    ]

    operations = [migrations.RunPython(update_methodology_page, migrations.RunPython.noop)]
