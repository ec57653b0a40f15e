import datetime as dt
import secrets
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles import methodology
from articles.importing import json_files, read_records
from articles.models import Article, Page, Section
from articles.roles import EDITORS, PIPELINE, ensure_groups
from articles.services import article_import, page_save, section_save
from feedback.models import Vote
from feedback.services import vote_record

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
EDITOR_USERNAME = "editor"

SECTIONS = [
    ("news", "News", "What happened, and what it means for readers and publishers.", 0),
    ("research", "Research", "Papers and results from AI research, read closely.", 1),
    ("tools", "Tools", "Software a newsroom can run, and how to use it well.", 2),
    ("policy", "Policy", "Regulation, standards and governance of AI.", 3),
]

# Demo articles whose file holds a second version with a public change ("change"): the first
# load imports their first version, with the earlier words, so that the second one updates it.
EARLIER_WORDS = {
    "demo-eu-ai-act-timeline": (
        "came first, from February 2025, followed by rules for general-purpose AI models from "
        "August 2025,",
        "came first, followed by rules for general-purpose AI models,",
    ),
    "demo-benchmarks-limits": None,  # an editor's note on the same text
}

DEMO_COMPLAINTS = [
    ("sources", "The second reference does not support the claim in the first section."),
    ("hard_to_read", ""),
    ("outdated", "There is a newer paper on this."),
]


class Command(BaseCommand):
    help = (
        "Load the demo newsroom: sections, demo articles (through the import format), reader "
        "votes, the methodology page and an editor account. Safe to run again."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            existing = set(Section.objects.values_list("slug", flat=True))
            for slug, name, description, position in SECTIONS:
                if slug not in existing:
                    section = Section(
                        slug=slug, name=name, description=description, position=position
                    )
                    section_save(actor=PIPELINE, section=section)
            self.create_methodology_page()
        self.import_first_versions()
        call_command("import_articles", str(DEMO_DIR), stdout=self.stdout, stderr=self.stderr)
        self.create_reader_votes()
        self.create_editor()

    def create_methodology_page(self):
        """Put the methodology page back if it was deleted (the migration creates it)."""
        if not Page.objects.filter(slug=methodology.SLUG).exists():
            body = methodology.BODY.strip()
            page = Page(slug=methodology.SLUG, title=methodology.TITLE, body=body)
            page_save(actor=PIPELINE, page=page)
            self.stdout.write("Created the methodology page at /how-it-works/.")

    def import_first_versions(self):
        """Import the first version of each article of EARLIER_WORDS not imported yet."""
        for path in json_files([str(DEMO_DIR)]):
            for record in read_records(path):
                external_id = record.data["external_id"]
                if external_id not in EARLIER_WORDS:
                    continue
                if Article.objects.filter(external_id=external_id).exists():
                    continue
                first = {name: value for name, value in record.data.items() if name != "change"}
                if EARLIER_WORDS[external_id]:
                    now, earlier = EARLIER_WORDS[external_id]
                    first["body"] = first["body"].replace(now, earlier)
                with transaction.atomic():
                    article_import(data=first, folder=path.parent)

    def create_reader_votes(self):
        """Give the demo articles a few weeks of reader votes, so the feedback report has data."""
        demo_articles = Article.objects.published().filter(external_id__startswith="demo-")
        if Vote.objects.filter(article__in=demo_articles).exists():
            return
        now = timezone.now()
        for index, article in enumerate(demo_articles.order_by("pk")):
            for reader in range(6 + index % 5):
                helpful = (reader + index) % 4 != 0
                reason, comment = ("", "") if helpful else DEMO_COMPLAINTS[reader % 3]
                follow_up = {"reason": reason, "comment": comment}
                vote = vote_record(
                    article=article,
                    voter_id=f"demo-reader-{reader}",
                    helpful=helpful,
                    follow_up=follow_up,
                )
                voted_at = now - dt.timedelta(days=(reader * 5 + index * 3) % 80)
                Vote.objects.filter(pk=vote.pk).update(created_at=voted_at, updated_at=voted_at)
        self.stdout.write(f"Added demo reader votes to {demo_articles.count()} articles.")

    def create_editor(self):
        User = get_user_model()
        if User.objects.filter(username=EDITOR_USERNAME).exists():
            self.stdout.write(
                f"Editor account '{EDITOR_USERNAME}' exists. Forgot its password? "
                f"python manage.py changepassword {EDITOR_USERNAME}"
            )
            return
        password = settings.DEMO_EDITOR_PASSWORD or secrets.token_urlsafe(12)
        editor = User.objects.create_user(EDITOR_USERNAME, password=password, is_staff=True)
        ensure_groups(django_apps)
        editor.groups.add(Group.objects.get(name=EDITORS))
        if settings.DEMO_EDITOR_PASSWORD:
            shown = "the password set in DEMO_EDITOR_PASSWORD."
        else:
            shown = f"password {password}\n(shown only this once; it is stored only as a hash)"
        self.stdout.write(
            self.style.SUCCESS(
                "Editor account created. Log in at /admin/ (http://127.0.0.1:8000/admin/ with "
                "`make run`) as "
                f"'{EDITOR_USERNAME}' with {shown}"
            )
        )
