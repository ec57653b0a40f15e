import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from webhooks.delivery import requeue_stalled

logger = logging.getLogger("newsroom.webhooks")


class Command(BaseCommand):
    help = (
        "Run the background queue: django-tasks-db's db_worker, and once a minute a sweep that "
        "hands back deliveries whose worker died mid-send or whose task was lost. Run one or "
        "more beside the app servers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Sweep once, run every task that is due, then exit (cron, tests).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds the worker waits when no task is due (default: 1).",
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help="Seconds between sweeps (default: 60).",
        )

    def handle(self, *args, batch, interval, sweep_interval, **options):
        if batch:
            requeue_stalled()
        else:
            stop = threading.Event()
            sweeper = threading.Thread(
                target=self.sweep_until, args=(stop, sweep_interval), daemon=True
            )
            sweeper.start()
        call_command(
            "db_worker",
            batch=batch,
            interval=interval,
            reload=False,
            startup_delay=not batch,
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if not batch:
            stop.set()

    @staticmethod
    def sweep_until(stop: threading.Event, every: float) -> None:
        """Sweep now and every `every` seconds, on this thread's own database connection."""
        while True:
            try:
                close_old_connections()
                requeue_stalled()
            except Exception:
                logger.exception("The sweep of stalled deliveries failed; it runs again later.")
            finally:
                connection.close()
            if stop.wait(every):
                return
