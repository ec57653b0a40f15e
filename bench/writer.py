#!/usr/bin/env python
"""The newsroom at work, for `make bench`: every few seconds, publish a new article or edit the
dek of one of the newest, through the write services, and after each write read the written
article's page and the front page over HTTP until they show it.

bench/run.py runs this as a process of its own, beside gunicorn's workers, with the benchmark's
settings and database: `writer.py CONFIG RESULT`, where CONFIG is a JSON file (`base`, `duration`,
`interval`, and the `external_ids` of the newest articles, which it edits or copies). It prints
`ready` once Django is set up, starts writing when it reads a line on stdin, and writes what it saw
to RESULT as JSON.
"""

import json
import random
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EXTERNAL_ID_PREFIX = "bench-at-work-"
# A page must show a write this long after its commit; reads still stale after it count.
FRESH_WITHIN_S = 1.0
POLL_EVERY_S = 0.1
WATCH_AT_LEAST_S = FRESH_WITHIN_S + 0.5
FIRST_WRITE_AFTER_S = 1.0


@dataclass
class Write:
    """One write and what the probe read afterwards: for each page, seconds from the commit until
    the first read that showed the write was answered (None: never), and the stale reads."""

    kind: str
    external_id: str
    path: str
    marker: str
    at_s: float = 0.0
    write_ms: float = 0.0
    shown_after_s: dict = field(default_factory=dict)
    reads: int = 0
    stale_reads: int = 0
    errors: int = 0  # reads answered with an HTTP error (they show nothing, so may be stale too)


def import_data(article) -> dict:
    """Return the article as the import format has it (the fields an edit must repeat)."""
    return {
        "external_id": article.external_id,
        "title": article.title,
        "dek": article.dek,
        "body": article.body,
        "section": article.section.slug,
        "byline": article.byline,
    }


def publish_data(source, external_id: str, title: str) -> dict:
    """Return a new published article like `source`: its section, tags, body and references."""
    return {
        **import_data(source),
        "external_id": external_id,
        "title": title,
        "dek": f"{title}: published while the newsroom reads.",
        "status": "published",
        "tags": sorted(source.tags.names()),
        "references": [
            {
                "number": reference.number,
                "publisher": reference.publisher,
                "title": reference.title,
                "url": reference.url,
            }
            for reference in source.references.all()
        ],
    }


def publish(source, external_id: str, title: str) -> Write:
    from articles.models import Article
    from articles.services import article_import

    started = time.monotonic()
    article_import(data=publish_data(source, external_id, title))
    took = time.monotonic() - started
    path = Article.objects.get(external_id=external_id).get_absolute_url()
    return Write("publish", external_id, path, marker=title, write_ms=took * 1000)


def edit(article, dek: str) -> Write:
    from articles.services import article_import

    started = time.monotonic()
    article_import(data={**import_data(article), "dek": dek})
    took = time.monotonic() - started
    return Write("edit", article.external_id, article.get_absolute_url(), dek, write_ms=took * 1000)


def fetch(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.read().decode()


def watch(write: Write, base: str, paths: list[str], committed: float, until: float) -> None:
    """Read `paths` side by side every POLL_EVERY_S until `until` (monotonic seconds), and record
    for each page when the first read that showed the write was answered, in seconds after the
    commit. A read is stale when it does not show the write although it was sent more than
    FRESH_WITHIN_S after the commit, or after a read of that page had shown it. The reads go on
    until some were sent after FRESH_WITHIN_S, however slowly the server answers."""
    write.shown_after_s = dict.fromkeys(paths)

    def read(path):
        sent = time.monotonic() - committed
        try:
            shows, failed = write.marker in fetch(base, path), False
        except urllib.error.HTTPError:
            shows, failed = False, True
        return path, sent, time.monotonic() - committed, shows, failed

    with ThreadPoolExecutor(len(paths)) as pool:
        while True:
            for path, sent, answered, shows, failed in pool.map(read, paths):
                write.reads += 1
                write.errors += failed
                if shows and write.shown_after_s[path] is None:
                    write.shown_after_s[path] = round(answered, 4)
                elif not shows and (sent > FRESH_WITHIN_S or write.shown_after_s[path] is not None):
                    write.stale_reads += 1
            if sent > FRESH_WITHIN_S and time.monotonic() + POLL_EVERY_S >= until:
                return
            time.sleep(POLL_EVERY_S)


def work(base: str, duration: float, interval: float, external_ids: list[str]) -> list[Write]:
    """Alternately publish and edit, every `interval` seconds for `duration` seconds, and watch
    each write, in a thread of its own, until the next one is due."""
    from articles.models import Article

    rng = random.Random()
    run = uuid.uuid4().hex[:8]
    articles = Article.objects.select_related("section")
    unedited = list(external_ids)  # an article edited twice would hide the first edit
    rng.shuffle(unedited)
    writes, watching = [], []
    started = time.monotonic()
    with ThreadPoolExecutor() as watchers:
        number = 0
        while (due := FIRST_WRITE_AFTER_S + number * interval) + WATCH_AT_LEAST_S < duration:
            source = articles.get(external_id=unedited.pop())
            on_front_page = source.get_absolute_url() in fetch(base, "/")
            time.sleep(max(0.0, started + due - time.monotonic()))
            if number % 2 == 0:
                external_id = f"{EXTERNAL_ID_PREFIX}{run}-{number}"
                write = publish(source, external_id, title=f"Newsroom at work {run} {number}")
                paths = [write.path, "/"]
            else:
                write = edit(source, dek=f"Edited at work {run} {number}: a corrected summary.")
                paths = [write.path, "/"] if on_front_page else [write.path]
            committed = time.monotonic()
            write.at_s = round(committed - started, 3)
            next_due = started + FIRST_WRITE_AFTER_S + (number + 1) * interval
            until = max(committed + WATCH_AT_LEAST_S, min(next_due, started + duration) - 0.2)
            watching.append(watchers.submit(watch, write, base, paths, committed, until))
            writes.append(write)
            number += 1
    for watched in watching:
        watched.result()  # a read that failed fails the run
    return writes


def originals(external_ids: list[str]) -> dict:
    """Return the import data of the articles the writer may edit, to put them back after."""
    from articles.models import Article

    articles = Article.objects.select_related("section").filter(external_id__in=external_ids)
    return {article.external_id: import_data(article) for article in articles}


def undo(writes: list[dict], before: dict) -> None:
    """Put the benchmark's newsroom back as it was: the edited deks, and no new articles."""
    from articles.services import article_import

    for write in writes:
        if write["kind"] == "edit":
            article_import(data=before[write["external_id"]])
    delete_published()


def delete_published() -> None:
    """Delete what the writer published, through the service an editor's delete goes through,
    so that the related articles it entered are ranked again without it."""
    from django.contrib.auth import get_user_model

    from articles.models import Article
    from articles.services import article_delete

    editor = get_user_model()(username="benchmark", is_active=True, is_superuser=True)
    for article in Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX):
        article_delete(actor=editor, article=article)


def main(config_path: str, result_path: str) -> None:
    import django

    django.setup()
    config = json.loads(Path(config_path).read_text())
    print("ready", flush=True)
    sys.stdin.readline()
    writes = work(config["base"], config["duration"], config["interval"], config["external_ids"])
    Path(result_path).write_text(json.dumps([asdict(write) for write in writes]) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
