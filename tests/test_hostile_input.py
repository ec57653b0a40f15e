"""The hostile-input probe: every field of the import format and of the admin forms gets each
value of a corpus of hostile text; then every public page kind is fetched, following links.

A value is either refused with a clear message (import: one line naming file, article and field;
admin: a form error; HTTP: a 400), or accepted and shown inert: no 500 anywhere, no markup that
runs (no script but our own JSON-LD and site.js, no on* attribute, no javascript: URL), feeds and
sitemaps well-formed XML, JSON-LD parseable and unable to end its <script> block.
"""

import contextlib
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import deque
from io import StringIO
from urllib.parse import quote, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles.importing import SCHEMA_PATH
from articles.methodology import create_default_page
from articles.models import Article, Page, Section
from tests.active_markup import active_markup, rendered_as_html

HOSTILE = {
    "accents": "Zürich Café",
    "japanese": "東京",
    "punctuation only": "!!!",
    "dash only": "-",
    "right to left": "\u202eمرحبا بالعالم",
    "emoji": "🦜 Parrots 👩🏽‍💻",
    "script": "<script>alert(1)</script>",
    "attribute break": '"><img src=x onerror=alert(1)>',
    "javascript url": "javascript:alert(1)",
    "base and refresh": "<base href=//evil.example/><meta http-equiv=refresh content=0;url=//x/>",
    "comment in script": "Odd <!--<script title",
    "markdown links": "[click](javascript:alert(1)) ![i](x) <a href=javascript:alert(1)>a</a>",
    "template and sql": "{{ request }} {% debug %} ${7*7} '; DROP TABLE articles_article; --",
    "control characters": "Bell\x07 escape\x1b delete\x7f tab\t one\u2028two\u2029three\r\nfour",
    "very long": "Long words " * 1000,
    "nul": "before\x00after",
    "lone surrogate": "before\ud800after",
}
# Text no database, form or page can hold: refused wherever it is given.
UNSTORABLE = {"nul", "lone surrogate"}
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
# One article per group: text fields no rule refuses share one; each field with a format of its
# own (a slug, a name that must give a slug, a URL) gets an article, so a refusal names it.
IMPORT_FIELD_GROUPS = [
    (
        "external_id",
        "title",
        "dek",
        "body",
        "byline",
        "provenance.pipeline_version",
        "references.publisher",
        "references.title",
    ),
    ("slug",),
    ("section",),
    ("tags",),
    ("references.url",),
]
SLUG = re.compile(SCHEMA["article"]["properties"]["slug"]["pattern"])
ALNUM = re.compile(r"\w", re.UNICODE)


def fitted(field: str, value: str) -> str:
    """The value cut to the field's maximum length, so that long text is shown, not refused."""
    *parent, name = field.split(".")
    schema = SCHEMA[{"references": "reference"}.get(parent[0], parent[0])] if parent else None
    properties = (schema or SCHEMA["article"])["properties"]
    rule = properties[name] if name != "tags" else properties["tags"]["items"]
    return value[: rule.get("maxLength", len(value))]


def import_article(number: int, fields: tuple[str, ...], value: str) -> dict:
    """A valid article (one reference cited) whose `fields` hold `value`."""
    now = timezone.now()
    data = {
        "external_id": f"hostile-{number}",
        "title": f"Hostile {number}",
        "slug": f"hostile-{number}",
        "dek": "Dek.",
        "body": "A claim [1].",
        "section": "Hostile",
        "tags": ["Hostile"],
        "byline": "Desk",
        "status": "published",
        "published_at": (now - dt.timedelta(hours=2)).isoformat(),
        "provenance": {"origin": "pipeline", "pipeline_version": "1.0"},
        "references": [
            {"number": 1, "publisher": "Pub", "title": "Source", "url": "https://example.org/"}
        ],
    }
    for field in fields:
        if field == "references.url":
            data["references"][0]["url"] = fitted(field, "https://example.org/" + value)
        elif field.startswith("references."):
            data["references"][0][field.split(".")[1]] = fitted(field, value)
        elif field == "provenance.pipeline_version":
            data["provenance"]["pipeline_version"] = fitted(field, value)
        elif field == "tags":
            data["tags"] = [fitted(field, value)]
        elif field == "body":
            data["body"] = f"{value} [1]"
        else:
            data[field] = fitted(field, value)
    return data


def must_refuse_import(name: str, field: str, value: str) -> bool:
    if name in UNSTORABLE:
        return True
    return field == "slug" and not SLUG.match(value)


def may_refuse_import(field: str, value: str) -> bool:
    """A tag or section name with no letter or digit gives no slug, and a URL with spaces or
    quotes is no URL: refusing them is allowed."""
    if field == "references.url":
        return True
    return field in ("tags", "section") and not ALNUM.search(value.replace("_", ""))


def run_import(path):
    out, err = StringIO(), StringIO()
    with contextlib.suppress(CommandError):  # it fails when any article does
        call_command("import_articles", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def post_admin_forms(client, name, value, number):
    """Save `value` in every text field of the admin's forms; return each form's response."""
    section = Section.objects.get_or_create(slug="admin-forms", defaults={"name": "Admin"})[0]
    article = Article.objects.filter(section=section).first() or Article.objects.create(
        title="Admin", slug="admin-article", body="Text.", section=section
    )
    published = (timezone.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S").split()
    forms = {
        "section": ("/admin/articles/section/add/", {
            "name": value[:80], "slug": f"admin-section-{number}", "description": value,
        }),
        "page": ("/admin/articles/page/add/", {
            "title": value[:200], "slug": f"admin-page-{number}", "body": value,
        }),
        "tag": ("/admin/taggit/tag/add/", {"name": value[:100], "slug": f"admin-tag-{number}"}),
        "reference": ("/admin/references/reference/add/", {
            "article": article.pk, "number": 100 + number, "publisher": value[:200],
            "title": value[:300], "url": "https://example.org/" + quote(value[:900]),
        }),
        "article": ("/admin/articles/article/add/", {
            "title": value[:200], "slug": f"admin-{number}", "dek": value[:400],
            "body": f"{value} [1]", "byline": value[:200], "section": section.pk,
            "tags": value, "origin": "human", "status": "published",
            "published_at_0": published[0], "published_at_1": published[1],
            "pipeline_version": value[:50], "external_id": "",
            "references-TOTAL_FORMS": "1", "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0", "references-MAX_NUM_FORMS": "1000",
            "references-0-number": "1", "references-0-publisher": value[:200],
            "references-0-title": value[:300], "references-0-url": "https://example.org/x",
        }),
    }  # fmt: skip
    return {form: client.post(url, data) for form, (url, data) in forms.items()}


def admin_pages(value: str) -> list[str]:
    """The editors' lists (searched for the value, and filtered by it) and change pages."""
    words = quote(value[:300].encode("utf-8", "surrogatepass"))
    lists = ["articles/article", "articles/section", "articles/page", "taggit/tag"]
    lists += ["references/reference", "feedback/vote"]
    pages = [f"/admin/{path}/?q={words}" for path in lists]
    pages += [
        f"/admin/articles/article/?tags__name={words}",
        f"/admin/references/reference/?publisher={words}",
        f"/admin/autocomplete/?app_label=references&model_name=reference&field_name=article"
        f"&term={words}",
    ]
    articles = Article.objects.filter(slug__in=["hostile-1", "admin-1"]).values_list(
        "pk", flat=True
    )
    sections = Section.objects.exclude(slug__in=["hostile", "admin-forms"]).values_list(
        "pk", flat=True
    )
    pages += [f"/admin/articles/article/{pk}/change/" for pk in articles]
    pages += [f"/admin/articles/section/{pk}/change/" for pk in sections]
    return pages


def internal(url: str) -> str | None:
    """The path and query of a link to this site's public pages, or None."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/admin/", "/static/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(response) -> list[str]:
    text = response.content.decode()
    if "xml" in response["Content-Type"]:
        return re.findall(r"<loc>([^<]+)</loc>", text)
    return re.findall(r'<(?:a|link)\b[^>]*\bhref="([^"]+)"', text)


def our_script(attributes) -> bool:
    if attributes.get("type") == "application/ld+json" and "src" not in attributes:
        return True
    return (attributes.get("src") or "").startswith("/static/js/site")


def problems_in(url: str, response) -> list[str]:
    """Whatever in this response could run in a browser or a feed reader, or breaks its format."""
    content_type = response["Content-Type"]
    text = response.content.decode()
    if "xml" in content_type:
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError as error:
            return [f"{url}: not well-formed XML: {error}"]
        parts = (
            rendered_as_html(root)
            if root.tag in ("rss", "{http://www.w3.org/2005/Atom}feed")
            else []
        )
        return [f"{url}: {found}" for part in parts for found in active_markup(part or "")]
    if "html" not in content_type:
        return []
    found = [f"{url}: {item}" for item in active_markup(text, allowed_scripts=our_script)]
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S):
        if "<" in block:
            found.append(f"{url}: '<' inside JSON-LD")
        try:
            json.loads(block)
        except ValueError as error:
            found.append(f"{url}: JSON-LD does not parse: {error}")
    return found


def crawl(client, seeds, limit=600):
    """Fetch the seeds and every public page they link to; return (statuses, problems)."""
    seen, queue, statuses, problems = set(seeds), deque(seeds), {}, []
    while queue and len(seen) <= limit:
        url = queue.popleft()
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code != 200:
            continue
        problems += problems_in(url, response)
        for link in links_in(response):
            target = internal(link.replace("&amp;", "&"))
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return statuses, problems


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_is_refused_clearly_or_shown_inert_everywhere(name, tmp_path, editor_client):
    value = HOSTILE[name]
    create_default_page(Page)  # as migrate does: a flushing test before this one may have run
    groups = list(enumerate(IMPORT_FIELD_GROUPS, 1))
    articles = [import_article(number, fields, value) for number, fields in groups]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(articles), encoding="utf-8")
    out, err = run_import(path)
    assert "Traceback" not in err
    imported = set(Article.objects.values_list("external_id", flat=True))
    for number, fields in groups:
        label = f"{path}: article {articles[number - 1]['external_id']!r} (#{number}): "
        refusals = [line for line in err.splitlines() if line.startswith(label)]
        if any(must_refuse_import(name, field, fitted(field, value)) for field in fields):
            assert refusals, f"{fields}: {value!r} was imported"
        elif refusals:
            assert any(may_refuse_import(field, value) for field in fields), refusals
        else:
            assert articles[number - 1]["external_id"] in imported, (fields, err)
        for line in refusals:  # a refusal names the field (its JSON path) and says why
            assert line.startswith(tuple(f"{label}{field.split('.')[0]}" for field in fields))

    if name != "lone surrogate":  # a browser cannot send one: UTF-8 has no lone surrogates
        for form, response in post_admin_forms(editor_client, name, value, 1).items():
            if name in UNSTORABLE:
                assert response.status_code == 400, form
                assert b"NUL character" in response.content
            else:
                assert response.status_code in (200, 302), (form, response.status_code)
            if response.status_code == 200:  # refused: the form says why
                assert b"errornote" in response.content or b"errorlist" in response.content
    admin_errors = {
        url: status
        for url in admin_pages(value)
        if (status := editor_client.get(url).status_code) >= 500
    }
    assert admin_errors == {}

    published = Article.objects.published().order_by("published_at").first()
    seeds = [
        "/",
        "/tags/",
        "/archive/",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/feeds/rss/",
        "/feeds/atom/",
        "/robots.txt",
        "/how-it-works/",
        *[article.get_absolute_url() for article in Article.objects.published()],
        *[f"/pages/admin-page-{n}/" for n in (1,) if name not in UNSTORABLE],
    ]
    if published:
        year, month = published.published_at.year, published.published_at.month
        seeds += [f"/archive/{year}/", f"/archive/{year}/{month}/"]
    query = quote(value[:300].encode("utf-8", "surrogatepass"))  # as bytes a client could send
    for words in (query, "hostile"):
        seeds += [
            f"/search/?q={words}",
            f"/search/?q=hostile&section={words}",
            f"/search/?q=hostile&tag={words}",
        ]
    statuses, problems = crawl(Client(raise_request_exception=False), seeds)  # as a reader
    errors = {url: status for url, status in statuses.items() if status >= 500}
    assert errors == {}
    unexpected = {
        url: status for url, status in statuses.items() if status != (400 if "%00" in url else 200)
    }
    assert unexpected == {}
    assert problems == []
    if name not in UNSTORABLE:
        assert len(statuses) > len(seeds) + 5  # it followed links, not only the seeds


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=model&section=%00",
        "/search/?q=%00",
        "/tags/?x=%00",
        "/admin/articles/article/?q=%00",
        "/admin/autocomplete/?app_label=references&model_name=reference&field_name=article&term=%00",
    ],
)
def test_a_nul_in_any_query_is_a_400(editor_client, url):
    assert editor_client.get(url).status_code == 400


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252"])
def test_an_import_file_in_another_encoding_is_refused_naming_the_file(tmp_path, db, encoding):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(import_article(1, ("title",), "Café"), ensure_ascii=False), encoding)
    out, err = run_import(tmp_path)
    assert f"{path}: the file is not UTF-8 text." in err
    assert "Traceback" not in err
    assert not Article.objects.exists()


@pytest.mark.parametrize("page", ["²", "٣", "0", "-1", "abc", "99999"])
@pytest.mark.parametrize("url", ["/", "/corrections/", "/tags/"])
def test_a_page_number_that_is_no_number_is_a_404_never_a_500(client, db, url, page):
    assert client.get(url, {"page": page}).status_code in (200, 404)


def test_revision_numbers_that_are_no_numbers_show_the_default_comparison(
    editor_client, make_article
):
    article = make_article()
    compare = f"/admin/articles/article/{article.pk}/revisions/compare/"
    assert editor_client.get(compare, {"from": "²", "to": "٣"}).status_code in (200, 404)
