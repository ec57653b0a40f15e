from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from articles.importing import ImportProblem, json_files, read_records
from articles.services import article_import


class Command(BaseCommand):
    help = (
        "Import articles from JSON files or folders of them (the pipeline's format, see "
        "articles/schema/article-import.schema.json). Each article is imported whole or not at "
        "all; the command exits non-zero when any article failed. An article to be published "
        "that fails a publication gate is stored in review, naming the gates; that is no failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="JSON files, or folders searched for *.json")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything (lead images too), write nothing: not even image files.",
        )

    def handle(self, *args, paths, dry_run, **options):
        counts = Counter()
        files = list(json_files(paths))
        for path in files:
            for record in read_records(path):
                outcome, held = self.import_record(record, dry_run=dry_run)
                counts[outcome] += 1
                counts["held"] += held
        summary = (
            f"{'Checked' if dry_run else 'Imported'} {len(files)} file(s): "
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed; "
            f"{counts['held']} held for review."
        )
        if dry_run:
            summary += " Dry run: nothing was written."
        self.stdout.write(summary)
        if not files:
            raise CommandError("No JSON files found in the paths given.")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} article(s) could not be imported; see above.")

    def import_record(self, record, *, dry_run):
        problem = record.problem
        if problem is None:
            try:
                imported = article_import(data=record.data, folder=record.folder, dry_run=dry_run)
                style = self.style.WARNING if imported.is_held else self.style.SUCCESS
                self.stdout.write(f"{record.source}: {record.label}: {imported}", style)
                return str(imported.outcome), imported.is_held
            except ImportProblem as caught:
                problem = caught
            except IntegrityError:
                # Another writer took the external_id or slug between our check and our write.
                problem = ImportProblem(
                    "conflicts with an article written at the same time; import it again."
                )
        self.stderr.write(record.describe(problem))
        return "failed", False
