"""Each layer of defence against hostile article text, tested on its own.

An article body passes two layers: markdown-it escapes raw HTML in the Markdown, then an
allow-list sanitiser cleans the HTML. A test that goes through both cannot tell when one of them
is gone, so the sanitiser is given hostile HTML directly, and the renderer is given HTML in
Markdown, which must come out as visible text rather than markup.
"""

import re

import pytest

from articles.models import Article
from articles.rendering import render_body, sanitize_html

ON_ATTRIBUTE = re.compile(r"<[^>]*\son\w+\s*=", re.I)


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="https://example.org/a.png" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        '<p onmouseover="alert(1)">x</p>',
        '<h2 id="x" onfocus="alert(1)">x</h2>',
    ],
)
def test_sanitiser_drops_event_handler_attributes(hostile):
    clean = sanitize_html(hostile)
    assert not ON_ATTRIBUTE.search(clean), clean
    assert "alert" not in clean


@pytest.mark.parametrize(
    "hostile",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        '<img src="javascript:alert(1)" alt="x">',
        '<a href="ftp://example.org/file">x</a>',  # safe, but not a scheme bodies use
        '<a href="tel:+15550100">x</a>',
    ],
)
def test_sanitiser_drops_urls_that_are_not_http_https_or_mailto(hostile):
    clean = sanitize_html(hostile)
    assert "href=" not in clean and "src=" not in clean, clean
    assert "x" in clean  # the text or the image's alt stays


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<style>body{display:none}</style>",
        "<iframe src=https://evil.example></iframe>",
        "<object data=x></object><embed src=x>",
        "<svg onload=alert(1)></svg>",
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<form action="https://evil.example/"><input name="q"></form>',
    ],
)
def test_sanitiser_removes_active_elements_and_what_scripts_contain(hostile):
    clean = sanitize_html(f"<p>Before</p>{hostile}<p>After</p>")
    assert clean.startswith("<p>Before</p>") and clean.endswith("<p>After</p>"), clean
    for tag in ("script", "style", "iframe", "object", "embed", "svg", "base", "meta", "form"):
        assert f"<{tag}" not in clean.lower()
    assert "alert" not in clean and "display:none" not in clean


def test_sanitiser_keeps_what_bodies_use_and_only_text_align_styles():
    kept = (
        '<h2 id="why">Why</h2><p><strong>b</strong> <em>e</em> <a href="mailto:desk@example.org">'
        'm</a> <a href="http://example.org/">h</a></p>'
        '<sup class="citation">[<a href="#ref-1" title="T">1</a>]</sup>'
        '<table><tbody><tr><td style="text-align: right; position: fixed">1</td></tr>'
        "</tbody></table>"
    )
    clean = sanitize_html(kept)
    for fragment in (
        '<h2 id="why">',
        "<strong>b</strong>",
        'href="mailto:desk@example.org"',
        'href="http://example.org/"',
        '<sup class="citation">',
        'href="#ref-1"',
        'title="T"',
        '<td style="text-align:right">',  # and no other style property
    ):
        assert fragment in clean, fragment


def test_sanitiser_keeps_only_the_tags_bodies_use():
    """Not even harmless ones: a second h1 would break the page's outline, a div its layout."""
    clean = sanitize_html(
        "<h1>Title</h1><div>d</div><span>s</span><details><summary>m</summary>x</details>"
    )
    assert clean == "Titledsmx"


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("<em>hi</em>", "&lt;em&gt;hi&lt;/em&gt;"),
        ("<strong>bold</strong> claim", "&lt;strong&gt;bold&lt;/strong&gt; claim"),
        ('<a href="https://example.org">link</a>', "&lt;a href="),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<!-- hidden -->", "&lt;!-- hidden --&gt;"),
    ],
)
def test_html_in_markdown_is_shown_as_text_not_used_as_markup(markdown, shown):
    html = render_body(f"Before\n\n{markdown}\n\nAfter").html
    assert shown in html, html
    assert "<em>" not in html and "<strong>" not in html and "<a " not in html


def test_html_in_an_article_body_reaches_readers_as_text(client, make_article):
    article = make_article(body="Say <em>hi</em> and <b>bye</b>.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Say &lt;em&gt;hi&lt;/em&gt; and &lt;b&gt;bye&lt;/b&gt;." in html


# JSON-LD: an article's text can never end the structured-data script early


def script_blocks(html):
    """Return the text of each JSON-LD script as a browser finds it: up to the first `</script`."""
    starts = [m.end() for m in re.finditer(r'<script type="application/ld\+json">', html)]
    return [html[start : html.lower().index("</script", start)] for start in starts]


@pytest.mark.parametrize(
    "title",
    [
        "Odd <!--<script title",
        "Close </script><p>early",
        "Tags <b> & ampersands &amp;",
    ],
)
def test_json_ld_holds_no_markup_a_browser_would_read(client, make_article, title):
    """`<!--<script` inside a script switches HTML parsers into a state where the next
    `</script>` no longer ends it, and the rest of the page becomes script: so no `<` at all."""
    article = make_article(title=title, dek=title, origin=Article.Origin.PIPELINE)
    html = client.get(article.get_absolute_url()).content.decode()
    blocks = script_blocks(html)
    assert len(blocks) == 2  # the NewsArticle and its breadcrumbs
    for block in blocks:
        assert "<" not in block and ">" not in block, block
        assert title not in block  # escaped, not raw
    assert '<h1 id="article-title">' in html  # the page after the scripts is still markup
