import logging
import os
import signal
import socket
import sys
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from newsroom.delivery.edge_purges import EDGE_QUEUE
from webhooks.delivery import requeue_stalled

logger = logging.getLogger("newsroom.worker")

# Edge purges have a worker of their own, so that a slow webhook receiver never holds them up.
# An idle one looks for purges this often: a purge waits up to this long, well within the second
# in which the README promises a write reaches the edge. Each look is one indexed query.
EDGE_INTERVAL_SECONDS = 0.2
RESTART_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Run the background queue (django-tasks with its database backend): edge purges on a "
        "worker of their own, checked every 0.2 s, everything else (webhook deliveries) on "
        "--webhook-workers others, and once a minute a sweep that hands back deliveries whose "
        "worker died mid-send or whose task was lost. Run one or more beside the app servers."
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
            help="Seconds the webhooks' worker waits when no task is due (default: 1).",
        )
        parser.add_argument(
            "--webhook-workers",
            type=int,
            default=4,
            help="Deliveries sent at once (default: 4): a receiver that takes its time holds "
            "up one of them, not the others.",
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help="Seconds between sweeps (default: 60).",
        )

    def handle(self, *args, batch, interval, webhook_workers, sweep_interval, **options):
        edge = _worker("edge", [EDGE_QUEUE], EDGE_INTERVAL_SECONDS, batch)
        others = [
            _worker(f"webhooks-{number}", ["*"], interval, batch, excluded=[EDGE_QUEUE])
            for number in range(1, max(webhook_workers, 1) + 1)
        ]
        if batch:
            requeue_stalled()
            edge.run()
            others[0].run()
            edge.run()  # what the webhooks' tasks queued meanwhile
            return
        stop = threading.Event()
        self.stop_on_signals([edge, *others], stop)
        sweeper = threading.Thread(
            target=self.sweep_until, args=(stop, sweep_interval), daemon=True
        )
        sweeper.start()
        workers = [
            threading.Thread(target=self.run_until_stopped, args=(worker,), daemon=True)
            for worker in (edge, *others[1:])
        ]
        for thread in workers:
            thread.start()
        self.run_until_stopped(others[0])
        stop.set()
        for thread in workers:
            thread.join(timeout=30)

    @staticmethod
    def stop_on_signals(workers, stop: threading.Event) -> None:
        """Stop after the tasks running now on the first signal; at once on a second."""

        def shut_down(signum, frame):
            if stop.is_set():
                sys.exit(1)
            logger.warning("%s: stopping once the running tasks finish.", signal.strsignal(signum))
            stop.set()
            for worker in workers:
                worker.running = False

        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(number, shut_down)

    @staticmethod
    def run_until_stopped(worker: Worker) -> None:
        """Run `worker` until it is told to stop; a database that fails (a restart, a failover)
        costs it a pause, not its life, so no queue is left without one."""
        while worker.running:
            try:
                worker.run()
            except Exception:
                logger.exception(
                    "Worker %s failed; it starts again in %d s.",
                    worker.worker_id,
                    RESTART_SECONDS,
                )
                time.sleep(RESTART_SECONDS)
            finally:
                connection.close()

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


def _worker(name, queues, interval, batch, excluded=()) -> Worker:
    return Worker(
        queue_names=queues,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}-{name}",
        excluded_queue_names=list(excluded),
    )
