import re
from html.parser import HTMLParser

import pytest

from articles.rendering import read_body, render_body, unresolved_citation_messages
from tests.conftest import reference


def citation_targets(html):
    return re.findall(r'href="#ref-(\d+)"', html)


class ElementCollector(HTMLParser):
    """Collect every element and attribute a browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html):
    collector = ElementCollector()
    collector.feed(html)
    return collector.elements


@pytest.mark.parametrize(
    ("source", "targets", "cited"),
    [
        ("A claim [1].", ["1"], {1}),
        ("Two sources [2, 3].", ["2", "3"], {2, 3}),
        ("Adjacent [1][4].", ["1", "4"], {1, 4}),
        ("A range [2-4].", ["2", "4"], {2, 3, 4}),
        ("An en-dash range [2–4].", ["2", "4"], {2, 3, 4}),
        ("Mixed [1, 3-4].", ["1", "3", "4"], {1, 3, 4}),
    ],
)
def test_citation_markers_link_to_the_reference_list(source, targets, cited):
    rendered = render_body(source)
    assert citation_targets(rendered.html) == targets
    assert rendered.cited_numbers == cited
    assert '<sup class="citation">' in rendered.html


@pytest.mark.parametrize(
    "source",
    [
        "In code `[1]` stays literal.",
        "```\nlist[1]\n```",
        "    indented[1] code",
        "A [link [1]](https://example.org) keeps its text.",
        "An ![image [1]](https://example.org/a.png) alt.",
        r"Escaped \[1\] brackets.",
        "Not markers: [a], [0], [1-200], [4-2].",
    ],
)
def test_text_that_is_not_a_citation_is_left_alone(source):
    rendered = render_body(source)
    assert rendered.cited_numbers == set()
    assert "citation" not in rendered.html


def test_citation_tooltip_is_the_reference_title_escaped():
    html = render_body("Claim [1].", {1: 'A "quoted" <title>'}).html
    assert 'title="A &quot;quoted&quot; &lt;title&gt;"' in html


def test_section_headings_get_stable_unique_ids():
    html = render_body("## Why it matters\n\ntext\n\n## Why it matters\n\n### Détails\n").html
    assert '<h2 id="why-it-matters">' in html
    assert '<h2 id="why-it-matters-2">' in html
    assert '<h3 id="details">' in html


def test_heading_ids_do_not_clash_with_page_anchors():
    html = render_body("## References\n\n## Ref 1\n\n## Article title\n").html
    assert 'id="article-title"' not in html
    assert 'id="references"' not in html
    assert 'id="ref-1"' not in html


def test_a_marker_citing_several_sources_links_each_and_keeps_its_punctuation():
    html = render_body("Claim [1, 3-5].", {1: "First"}).html
    assert (
        '<sup class="citation">[<a href="#ref-1" title="First" rel="noopener noreferrer">1</a>, '
        '<a href="#ref-3" rel="noopener noreferrer">3</a>–'
        '<a href="#ref-5" rel="noopener noreferrer">5</a>]</sup>'
    ) in html


@pytest.mark.parametrize(
    ("marker", "cited"),
    [
        ("[30-31]", {30, 31}),
        ("[1-51]", set(range(1, 52))),  # a range of 50 is the longest
        ("[1-52]", set()),
        ("[5-4]", set()),
        ("[5-4] and [2]", {2}),  # a marker that is no citation does not stop the search
    ],
)
def test_citation_ranges_have_a_limit(marker, cited):
    assert render_body(f"Claim {marker}.").cited_numbers == cited


def test_markers_inside_a_link_stay_text_and_markers_after_it_link_again():
    rendered = render_body("Read [the spec [1]](https://example.org) and the claim [2].")
    assert rendered.cited_numbers == {2}
    assert ">the spec [1]</a>" in rendered.html
    assert '<a href="#ref-2"' in rendered.html and 'href="#ref-1"' not in rendered.html


def test_a_hard_line_break_separates_words_in_the_plain_text():
    rendered = render_body("First line  \nsecond line\\\nthird")
    assert rendered.text == "First line second line third"
    assert rendered.word_count == 5


def test_code_blocks_count_as_text_for_search_and_word_counts():
    rendered = render_body("Intro.\n\n```python\nfenced words\n```\n\n    indented words\n")
    assert rendered.text.split("\n") == ["Intro.", "fenced words", "indented words"]
    assert rendered.word_count == 5


@pytest.mark.parametrize(
    ("source", "ids"),
    [
        ("## The *real* deal", ["the-real-deal"]),
        ("## !!!", ["section"]),
        ("## Ref 1\n\n## Ref 2", ["ref-1-section", "ref-2-section"]),
        ("## A\n\n## A\n\n## A\n\n## A", ["a", "a-2", "a-3", "a-4"]),
        ("## Feedback\n\n## Main", ["feedback-2", "main-2"]),
    ],
)
def test_heading_ids_are_readable_unique_and_never_a_page_anchor(source, ids):
    assert re.findall(r'<h2 id="([^"]*)">', render_body(source).html) == ids


def test_a_level_one_heading_is_demoted_so_the_page_keeps_one_h1():
    html = render_body("Lead.\n\n# Big\n\nText").html
    assert html == '<p>Lead.</p>\n<h2 id="big">Big</h2>\n<p>Text</p>\n'


def test_tables_render():
    html = render_body("| a | b |\n|--:|---|\n| 1 | 2 |\n").html
    assert "<table>" in html
    assert '<th style="text-align:right">a</th>' in html


def test_word_count_ignores_markup_and_citation_markers():
    rendered = render_body("## Two words\n\nOne **two** three [1], four-five [2, 3].")
    assert rendered.word_count == 6


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("Yes — no.", "2 words"),
        ("One – two — three … four - five", "5 words"),
        ("## Heading\n\n* * *\n\nWord [1].", "2 words"),
        ("Alone", "1 word"),
    ],
)
def test_article_page_counts_words_not_punctuation(client, make_article, body, words):
    article = make_article(body=body, references=[reference(1)])
    assert f"<span>{words}</span>" in client.get(article.get_absolute_url()).content.decode()


def test_reading_time_is_rounded_up_at_200_words_a_minute():
    assert render_body("").reading_time == 1
    assert render_body("word " * 200).reading_time == 1
    assert render_body("word " * 201).reading_time == 2
    assert render_body("word " * 1360).reading_time == 7


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](https://example.org/a.png "a\\" onerror=\\"alert(1)")',
    "<div onmouseover=alert(1)>hover</div>",
    "<details open ontoggle=alert(1)>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<object data=x></object><embed src=x>",
    "<<script>script>alert(1)<</script>/script>",
    '[x](https://example.org" onclick="alert(1))',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_raw_html_and_script_urls_never_reach_the_page(payload):
    html = render_body(f"Before\n\n{payload}\n\nAfter [1]").html
    for tag, attrs in elements(html):
        assert tag not in {"script", "iframe", "style", "svg", "object", "embed", "math"}
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src"}:
                scheme = value.strip().lower().split(":", 1)[0] if ":" in value else ""
                assert scheme in {"", "http", "https", "mailto"}, (tag, name, value)


def test_sanitiser_keeps_ordinary_formatting():
    html = render_body("**bold** *em* [link](https://example.org) > quote\n\n- item").html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.org"' in html
    assert "<li>item</li>" in html


def test_plain_text_drops_markup_and_markers_and_keeps_line_breaks_as_spaces():
    text = render_body("## Title\n\nA *claim* [1].\nNext line [2, 3], then `code`.").text
    assert text == "Title\nA claim. Next line, then code."


def test_citations_are_found_on_the_lines_an_editor_counts():
    source = "\r\n".join(
        [
            "Opening claim [1].",  # 1
            "",
            "## A heading [2]",  # 3
            "",
            "- an item [3]",  # 5
            "  that goes on [4]",  # 6
            "",
            "| a | b |",  # 8
            "|---|---|",
            "| cell [5] | `code [6]` |",  # 10
            "",
            "> quoted `code that",  # 12
            "> runs on` and [6]; [a link",  # 13
            "> [1]](https://example.org) [1]",  # 14
        ]
    )
    assert read_body(source).citation_lines == {
        1: [1, 14],
        2: [3],
        3: [5],
        4: [6],
        5: [10],
        6: [13],
    }


def test_unresolved_citations_are_named_by_line_in_order():
    rendered = read_body("Fine [1].\n\nMissing [3] and\n[4, 5], again [3].\n\nAnd [9].")
    assert unresolved_citation_messages(rendered, [1]) == [
        "Line 3 cites [3], but there is no reference with that number.",
        "Line 4 cites [3], [4], [5], but there are no references with those numbers.",
        "Line 6 cites [9], but there is no reference with that number.",
    ]
    assert unresolved_citation_messages(rendered, [1, 3, 4, 5, 9]) == []


def test_only_the_editors_preview_flags_unresolved_citations():
    source = "Known [1], unknown [1, 2-3]."
    public = render_body(source, {1: "Known"}).html
    preview = render_body(source, {1: "Known"}, flag_unresolved=True).html
    assert "unresolved" not in public
    assert preview.count("citation--unresolved") == 1
    assert '<sup class="citation citation--unresolved" title="No references [2], [3] yet">' in (
        preview
    )
    assert public == preview.replace(' citation--unresolved" title="No references [2], [3] yet', "")
