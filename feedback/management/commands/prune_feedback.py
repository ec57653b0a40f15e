import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback.models import Vote


class Command(BaseCommand):
    help = (
        "Delete reader votes (with their comments) last changed more than DAYS days ago, or with "
        "--comments-only keep the votes and erase their comments. Prints how many it changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument(
            "--comments-only", action="store_true", help="Erase old comments; keep the votes."
        )

    def handle(self, *args, older_than, comments_only, **options):
        if older_than < 1:
            raise CommandError("--older-than takes a number of days, 1 or more.")
        cutoff = timezone.now() - dt.timedelta(days=older_than)
        old_votes = Vote.objects.filter(updated_at__lt=cutoff)
        if comments_only:
            count = old_votes.exclude(comment="").update(comment="")
            self.stdout.write(f"Erased {count} comment(s) older than {older_than} days.")
        else:
            count, _ = old_votes.delete()
            self.stdout.write(f"Removed {count} vote(s) older than {older_than} days.")
