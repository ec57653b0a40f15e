import io
import logging
import signal

import pytest
from django.core.management import call_command


@pytest.fixture
def run_queue(db, monkeypatch):
    """Return a function that runs every task due, as `manage.py run_worker --batch` does, and
    returns once none is left, in this process and this test's transaction."""
    from django_tasks_db.management.commands import db_worker

    # Between tasks the worker closes connections, which would end the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        # The worker sets signal handlers and log levels of its own: keep this process's.
        handlers = {number: signal.getsignal(number) for number in _SIGNALS}
        levels = {name: logging.getLogger(name).level for name in _LOGGERS}
        try:
            call_command("run_worker", batch=True, stdout=io.StringIO(), stderr=io.StringIO())
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)

    return run


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
_LOGGERS = ("django_tasks", "django_tasks_db")
