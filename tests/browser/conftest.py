"""Real-browser tests: Debian's Chromium driven by Playwright against the live server."""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Chromium (apt-get install -y chromium)")
    if not AXE.exists():
        missing.append("axe-core (npm install, run by `make test`)")
    if missing and os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests, but it lacks {missing}")
    if missing:
        skip = pytest.mark.skip(reason=f"browser tests need {' and '.join(missing)}")
        for item in items:
            if "tests/browser" in str(item.path):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which the site's CSP rightly refuses;
    # test_no_page_breaks_its_content_security_policy checks the policy with it on.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="session")
def close_db_connections(django_db_setup, playwright):
    """Close the browser tests' database connections before the test database is dropped.

    While Playwright's event loop runs, Django keys connections by async context, so these
    tests get a connection of their own; left open, PostgreSQL cannot drop the test database.
    """
    yield
    connections.close_all()


@pytest.fixture
def demo_newsroom(close_db_connections, transactional_db, settings):
    settings.DEMO_EDITOR_PASSWORD = "browser-test-password"
    call_command("load_demo", stdout=StringIO())


@pytest.fixture
def axe_violations():
    """Return a function that runs axe-core on the page and lists its violations."""

    def run(page):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
            "'best-practice']})"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]

    return run
