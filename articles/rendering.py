"""Turn an article's Markdown body into safe HTML with linked citation markers.

The body is CommonMark (plus tables). Raw HTML in the source is escaped, never passed through,
and the output is sanitised with an allow-list as a second line of defence.
"""

import html
import math
import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from articles.slugs import readable_slug

WORDS_PER_MINUTE = 200
MAX_CITATION_RANGE = 50

# One marker: [1], [2, 3], [2-4], [2–4]. Adjacent markers ([1][4]) match one after the other.
CITATION_MARKER = re.compile(r"\[\s*([1-9]\d{0,3}(?:\s*(?:,|-|–)\s*[1-9]\d{0,3})*)\s*\]")
CITATION_ITEM = re.compile(r"([1-9]\d{0,3})(?:\s*[-–]\s*([1-9]\d{0,3}))?")
SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<!\s)\s+([.,;:!?)])")
WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
# Ids the article page itself uses; a body heading never takes one.
RESERVED_IDS = {
    "main", "article-title", "references", "references-heading", "tags-heading",
    "share-heading", "feedback", "related-heading",
}  # fmt: skip

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "sup": {"class"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"style"}, "td": {"style"},
}  # fmt: skip


@dataclass
class RenderedBody:
    html: str
    text: str  # the readable words, one block a line: for search, snippets and counting
    cited_numbers: set[int] = field(default_factory=set)

    @property
    def word_count(self) -> int:
        return len(WORD.findall(self.text))

    @property
    def reading_time(self) -> int:
        """Minutes to read at 200 words a minute, rounded up, at least one."""
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def parse_citation(marker_body: str) -> list[tuple[int, int]] | None:
    """Return the (first, last) number ranges of a marker's inside, or None if it is no citation."""
    ranges = []
    for item in marker_body.split(","):
        match = CITATION_ITEM.fullmatch(item.strip())
        if not match:
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first or last - first > MAX_CITATION_RANGE:
            return None
        ranges.append((first, last))
    return ranges


def _citation_html(ranges: list[tuple[int, int]], titles: dict[int, str]) -> str:
    def link(number: int) -> str:
        title = titles.get(number)
        title_attr = f' title="{html.escape(title)}"' if title else ""
        return f'<a href="#ref-{number}"{title_attr}>{number}</a>'

    parts = [link(a) if a == b else f"{link(a)}–{link(b)}" for a, b in ranges]
    return f'<sup class="citation">[{", ".join(parts)}]</sup>'


def _split_citations(text: str, titles: dict[int, str], cited: set[int]) -> list[Token] | None:
    """Split a text token's content into text and citation tokens; None when it has no marker."""
    tokens, position, found = [], 0, False
    for match in CITATION_MARKER.finditer(text):
        ranges = parse_citation(match.group(1))
        if ranges is None:
            continue
        found = True
        for first, last in ranges:
            cited.update(range(first, last + 1))
        if match.start() > position:
            tokens.append(_text_token(text[position : match.start()]))
        citation = Token("html_inline", "", 0)
        citation.content = _citation_html(ranges, titles)
        tokens.append(citation)
        position = match.end()
    if not found:
        return None
    if position < len(text):
        tokens.append(_text_token(text[position:]))
    return tokens


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _inline_text(children: list[Token]) -> str:
    """Return the readable text of an inline run (citation markers and markup left out)."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    # "a claim [1]." loses its marker: close the gap it leaves before punctuation. The
    # look-behind starts a match only where a run of spaces starts (linear, not quadratic).
    return SPACE_BEFORE_PUNCTUATION.sub(r"\1", "".join(parts))


def _body_rule(state: StateCore) -> None:
    """Link citations, give headings ids and gather the plain text, in one pass."""
    env = state.env
    used_ids: set[str] = set(RESERVED_IDS)
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in ("fence", "code_block"):
            env["text"].append(token.content)
        elif token.type == "heading_open":
            if token.tag == "h1":  # the page's title is the only h1
                token.tag = "h2"
                tokens[index + 2].tag = "h2"
            token.attrSet("id", _heading_id(tokens[index + 1], used_ids))
        elif token.type == "inline" and token.children:
            token.children = _cite(token.children, env["titles"], env["cited"])
            env["text"].append(_inline_text(token.children))


def _cite(children: list[Token], titles: dict[int, str], cited: set[int]) -> list[Token]:
    result, link_depth = [], 0
    for child in children:
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        elif child.type == "text" and link_depth == 0:
            split = _split_citations(child.content, titles, cited)
            if split is not None:
                result.extend(split)
                continue
        result.append(child)
    return result


def _heading_id(inline: Token, used_ids: set[str]) -> str:
    text = "".join(c.content for c in inline.children or [] if c.type != "html_inline")
    base = readable_slug(text) or "section"
    if re.fullmatch(r"ref-\d+", base):
        base = f"{base}-section"
    candidate, suffix = base, 2
    while candidate in used_ids:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    used_ids.add(candidate)
    return candidate


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# Before text_join, so an escaped \[1\] is still split and never read as a marker.
_markdown.core.ruler.before("text_join", "newsroom_body", _body_rule)


def sanitize_html(raw_html: str) -> str:
    """Keep only the tags, attributes and URL schemes an article body may use."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
    )


def render_body(source: str, reference_titles: dict[int, str] | None = None) -> RenderedBody:
    """Render Markdown to sanitised HTML, linking citation markers to `#ref-N`."""
    env = {"titles": reference_titles or {}, "cited": set(), "text": []}
    raw_html = _markdown.render(source, env)
    return RenderedBody(sanitize_html(raw_html), _joined(env["text"]), env["cited"])


def read_body(source: str) -> RenderedBody:
    """Read the body's plain text and the numbers it cites, leaving `html` empty: what a check
    of the body needs, without the cost of rendering and sanitising HTML."""
    env = {"titles": {}, "cited": set(), "text": []}
    _markdown.parse(source, env)
    return RenderedBody("", _joined(env["text"]), env["cited"])


def _joined(chunks: list[str]) -> str:
    return "\n".join(chunk.strip() for chunk in chunks if chunk.strip())


def format_numbers(numbers: set[int] | list[int]) -> str:
    """Format numbers as citation markers for messages: `[2], [5]`."""
    return ", ".join(f"[{n}]" for n in sorted(numbers))
