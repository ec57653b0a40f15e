"""Turn an article's Markdown body into safe HTML with linked citation markers.

The body is CommonMark (plus tables). Raw HTML in the source is escaped, never passed through,
and the output is sanitised with an allow-list as a second line of defence.
"""

import html
import math
import re
from collections import defaultdict
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
# How markdown-it splits the source into the lines its tokens' maps count.
NEWLINE = re.compile(r"\r\n?|\n")
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
    "sup": {"class", "title"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"style"}, "td": {"style"},
}  # fmt: skip


@dataclass
class RenderedBody:
    html: str
    text: str  # the readable words, one block a line: for search, snippets and counting
    cited_numbers: set[int] = field(default_factory=set)
    # Each cited number's source lines, counted from 1 as an editor counts them.
    citation_lines: dict[int, list[int]] = field(default_factory=dict)

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


def _citation_html(
    ranges: list[tuple[int, int]], titles: dict[int, str], flag_unresolved: bool
) -> str:
    def link(number: int) -> str:
        title = titles.get(number)
        title_attr = f' title="{html.escape(title)}"' if title else ""
        return f'<a href="#ref-{number}"{title_attr}>{number}</a>'

    parts = ", ".join(link(a) if a == b else f"{link(a)}–{link(b)}" for a, b in ranges)
    if flag_unresolved:
        unresolved = [n for a, b in ranges for n in range(a, b + 1) if n not in titles]
        if unresolved:
            noun = "reference" if len(unresolved) == 1 else "references"
            note = html.escape(f"No {noun} {format_numbers(unresolved)} yet")
            return f'<sup class="citation citation--unresolved" title="{note}">[{parts}]</sup>'
    return f'<sup class="citation">[{parts}]</sup>'


def _split_citations(text: str, env: dict, lines: "_SourceLines") -> list[Token] | None:
    """Split a text token's content into text and citation tokens; None when it has no marker."""
    tokens, position, found = [], 0, False
    for match in CITATION_MARKER.finditer(text):
        ranges = parse_citation(match.group(1))
        if ranges is None:
            continue
        found = True
        line = lines.find(match.group(0))
        for first, last in ranges:
            for number in range(first, last + 1):
                env["cited"].add(number)
                if line is not None:
                    env["citation_lines"][number].add(line)
        if match.start() > position:
            tokens.append(_text_token(text[position : match.start()]))
        citation = Token("html_inline", "", 0)
        citation.content = _citation_html(ranges, env["titles"], env["flag_unresolved"])
        tokens.append(citation)
        position = match.end()
    if not found:
        return None
    if position < len(text):
        tokens.append(_text_token(text[position:]))
    return tokens


class _SourceLines:
    """Follow an inline run through its block's source lines, to tell which line a citation
    marker is on."""

    def __init__(self, source_lines: list[str], block_map: list[int] | None):
        self.source_lines = source_lines
        self.known = block_map is not None
        self.line, self.end = block_map or (0, 0)
        self.last_found = self.line

    def line_break(self) -> None:
        self.line += 1

    def find(self, marker: str) -> int | None:
        """Return the line (from 1) of the next `marker`, or None if the block has no map.

        The breaks counted so far give the line, unless something before the marker (a code
        span, a link's address) ran over a break: then it is the next line that holds the
        marker. Markers come in source order, so the search never goes back.
        """
        if not self.known:
            return None
        start = max(self.line, self.last_found)
        for candidate in range(start, min(self.end, len(self.source_lines))):
            if marker in self.source_lines[candidate]:
                self.last_found = candidate
                return candidate + 1
        return start + 1


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
            token.children = _cite(token.children, env, _SourceLines(env["lines"], token.map))
            env["text"].append(_inline_text(token.children))


def _cite(children: list[Token], env: dict, lines: _SourceLines) -> list[Token]:
    result, link_depth = [], 0
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            lines.line_break()
        elif child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        elif child.type == "text" and link_depth == 0:
            split = _split_citations(child.content, env, lines)
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


def render_body(
    source: str, reference_titles: dict[int, str] | None = None, *, flag_unresolved: bool = False
) -> RenderedBody:
    """Render Markdown to sanitised HTML, linking citation markers to `#ref-N`.

    With `flag_unresolved` (the editor's preview), a marker citing a number that has no entry
    in `reference_titles` is marked as unresolved.
    """
    env = _env(source, reference_titles, flag_unresolved)
    raw_html = _markdown.render(source, env)
    return _rendered(sanitize_html(raw_html), env)


def read_body(source: str) -> RenderedBody:
    """Read the body's plain text and the numbers it cites, leaving `html` empty: what a check
    of the body needs, without the cost of rendering and sanitising HTML."""
    env = _env(source, None, False)
    _markdown.parse(source, env)
    return _rendered("", env)


def _env(source: str, titles: dict[int, str] | None, flag_unresolved: bool) -> dict:
    return {
        "titles": titles or {},
        "flag_unresolved": flag_unresolved,
        "cited": set(),
        "citation_lines": defaultdict(set),
        "text": [],
        "lines": NEWLINE.split(source),
    }


def _rendered(body_html: str, env: dict) -> RenderedBody:
    lines = {number: sorted(found) for number, found in env["citation_lines"].items()}
    return RenderedBody(body_html, _joined(env["text"]), env["cited"], lines)


def _joined(chunks: list[str]) -> str:
    return "\n".join(chunk.strip() for chunk in chunks if chunk.strip())


def format_numbers(numbers: set[int] | list[int]) -> str:
    """Format numbers as citation markers for messages: `[2], [5]`."""
    return ", ".join(f"[{n}]" for n in sorted(numbers))


def unresolved_citation_messages(
    rendered: RenderedBody, reference_numbers, *, lines_before: int = 0
) -> list[str]:
    """Name each line of the body that cites a number none of `reference_numbers` is, in
    line order; `lines_before` counts lines the editor sees above the rendered text."""
    missing = rendered.cited_numbers - set(reference_numbers)
    by_line: dict[int | None, set[int]] = defaultdict(set)
    for number in missing:
        for line in rendered.citation_lines.get(number) or [None]:
            by_line[line if line is None else line + lines_before].add(number)
    messages = []
    for line in sorted(by_line, key=lambda line: (line is None, line or 0)):
        numbers = by_line[line]
        where = f"Line {line} cites" if line is not None else "The body cites"
        that = (
            "there is no reference with that number"
            if len(numbers) == 1
            else "there are no references with those numbers"
        )
        messages.append(f"{where} {format_numbers(numbers)}, but {that}.")
    return messages


def leading_line_count(text: str) -> int:
    """Count the line breaks in the whitespace `text` starts with (which a form strips)."""
    return len(NEWLINE.findall(text[: len(text) - len(text.lstrip())]))


def uncited_message(numbers: set[int] | list[int]) -> str:
    """Say that the references numbered `numbers` are not cited in the body."""
    if len(numbers) == 1:
        return f"Reference {format_numbers(numbers)} is not cited anywhere in the body."
    return f"References {format_numbers(numbers)} are not cited anywhere in the body."
