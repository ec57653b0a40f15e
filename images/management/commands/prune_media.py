import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from articles.roles import OPERATOR
from images.services import media_prune


class Command(BaseCommand):
    help = (
        "Delete stored image files that no image names (left by writes that rolled back, "
        "processes killed mid-write), last written more than HOURS hours ago "
        "(default 24). Prints how many it deleted. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=24, metavar="HOURS")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files; delete nothing."
        )

    def handle(self, *args, older_than, dry_run, **options):
        if older_than < 1:
            raise CommandError("--older-than takes a number of hours, 1 or more.")
        pruned = media_prune(
            actor=OPERATOR, older_than=dt.timedelta(hours=older_than), dry_run=dry_run
        )
        for name in pruned:
            self.stdout.write(name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {len(pruned)} stored file(s) no image names.")
