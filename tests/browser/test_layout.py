"""No public page scrolls sideways, from a small phone to a wide desktop, in light and dark."""

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article, Section
from articles.roles import PIPELINE
from articles.services import article_create
from references.models import Reference

WIDTHS = [320, 390, 768, 1024, 1280, 1440]
# Words no browser may break on its own: a headline's, a tag's, a search's and a source's.
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosisbenchmarkresults"
LONG_TAG = "Retrievalaugmentedgenerationevaluationframeworksfornewsrooms"
LONG_URL = (
    "https://data.example.org/api/v2/datasets/0f8e7d6c5b4a39281706f5e4d3c2b1a0/files/"
    "annualreportonmachinegeneratednewsanditssourcesandmethods.pdf?token=3f9a8b7c6d5e4f3a2b1c"
)
LONG_PUBLISHER = "Internationalassociationofnewsroomdataengineersandarchivists"

# Elements and text whose right edge passes the viewport, where no ancestor clips them (a
# scrolling table or code block may be wider than the screen; the page itself may not).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (node) => {
    for (let parent = node.parentElement; parent && parent !== document.body;
         parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== "visible") return true;
    }
    return false;
  };
  const found = [];
  const nodes = document.createTreeWalker(
    document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  while (nodes.nextNode()) {
    const node = nodes.currentNode;
    let box = node.getBoundingClientRect?.();
    if (!box) {
      const range = document.createRange();
      range.selectNodeContents(node);
      box = range.getBoundingClientRect();
    }
    if (box.width === 0 || box.right <= width + 0.5 || clipped(node)) continue;
    const name = node.nodeType === Node.TEXT_NODE
      ? `text "${node.data.trim().slice(0, 30)}"`
      : node.tagName.toLowerCase() + (node.className ? "." + node.className : "");
    found.push(`${name} ends at ${Math.round(box.right)} px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, overflowing: found.slice(0, 4)};
}"""

# Where each line of a reference's text (all but its number) starts, top to bottom.
LINE_STARTS = """entry => {
  const number = entry.querySelector(".reference-list__number");
  const texts = document.createTreeWalker(entry, NodeFilter.SHOW_TEXT);
  const boxes = [];
  while (texts.nextNode()) {
    if (number.contains(texts.currentNode) || !texts.currentNode.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(texts.currentNode);
    boxes.push(...range.getClientRects());
  }
  boxes.sort((a, b) => a.top - b.top);
  const lines = [];  // boxes whose tops are within half a line of each other share a line
  for (const box of boxes) {
    const line = lines.at(-1);
    if (line && box.top - line.top < box.height / 2) line.left = Math.min(line.left, box.left);
    else lines.push({top: box.top, left: box.left});
  }
  return lines.map(line => ({top: Math.round(line.top), left: Math.round(line.left)}));
}"""


@pytest.fixture
def long_words(demo_newsroom):
    """Add to the demo two articles with a long headline word, a long tag and a long URL."""
    research = Section.objects.get(slug="research")
    for hours in (1, 2):
        article_create(
            actor=PIPELINE,
            article=Article(
                title=f"What {LONG_WORD} tell us ({hours})",
                slug=f"long-words-{hours}",
                dek=f"A standfirst naming {LONG_WORD} once.",
                body=f"The {LONG_WORD} are in the report [1].\n\nMore from the report [1].",
                byline="Layout Desk",
                section=research,
                status=Article.Status.PUBLISHED,
                published_at=timezone.now() - dt.timedelta(hours=hours),
            ),
            tags=[LONG_TAG, "Language models"],
            references=[
                Reference(number=1, publisher=LONG_PUBLISHER, title="Annual report", url=LONG_URL)
            ],
        )


def public_paths():
    tag_slug = Article.objects.get(slug="long-words-1").tags.get(name=LONG_TAG).slug
    return [
        "/",
        "/articles/transformers-at-nine-how-one-architecture-took-over/",
        "/articles/long-words-1/",
        "/search/?q=model",
        f"/search/?q={LONG_WORD}",
        "/tags/language-models/",
        f"/tags/{tag_slug}/",
        "/tags/",
        "/sections/research/",
        "/corrections/",
        "/archive/",
        "/how-it-works/",
    ]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_no_public_page_scrolls_sideways_at_any_width(page, live_server, long_words, color_scheme):
    page.emulate_media(color_scheme=color_scheme)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in public_paths():
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            found = page.evaluate(OVERFLOWING)
            if found["scrollWidth"] > found["width"] or found["overflowing"]:
                problems.append(f"{width} px {path}: {found}")
    assert not problems, "\n".join(problems)


def test_headlines_of_a_row_of_cards_line_up(page, live_server, long_words):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    tops = page.locator(".card-list .card__title").evaluate_all(
        "titles => titles.map(title => Math.round(title.getBoundingClientRect().top))"
    )
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('.card-list'))"
        ".gridTemplateColumns.split(' ').length"
    )
    assert columns > 1
    rows = [tops[start : start + columns] for start in range(0, len(tops), columns)]
    assert len(rows) > 1
    assert [len(set(row)) for row in rows] == [1] * len(rows), rows


def test_a_references_lines_start_beside_its_number_at_one_edge(page, live_server, long_words):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + "/articles/long-words-1/")
    reference = page.locator("#ref-1")
    number_box = reference.locator(".reference-list__number").bounding_box()
    lines = reference.evaluate(LINE_STARTS)
    assert len(lines) > 2  # the long publisher and URL wrap
    assert abs(lines[0]["top"] - number_box["y"]) < number_box["height"] / 2  # beside [1]
    starts = [line["left"] for line in lines]
    assert set(starts) == {starts[0]}, starts
    assert starts[0] >= number_box["x"] + number_box["width"]
