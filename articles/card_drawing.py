"""Share cards drawn with Pillow: a 1200×630 PNG with a kicker, a headline and the site's name.

The headline is wrapped between words (and between Chinese and Japanese characters, which need
no spaces), and set as large as fits; only a headline too long for the card at the smallest
size is ellipsised, at a word. Each character is drawn in the first of FONT_FILES that has it
(DejaVu Sans Bold: Latin, Greek, Cyrillic, Arabic, Hebrew, Armenian, Georgian; WenQuanYi Micro
Hei: Chinese, Japanese, Korean), else in Pillow's own font (Latin only), so a machine without
those Debian packages still draws every card.
"""

import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
# The site's light colours (static/css/site.css): --bg, --text, --muted, --accent, --border and
# --error (a retraction's kicker).
BACKGROUND = "#fdfdfc"
TEXT = "#1b1b1a"
MUTED = "#55534e"
ACCENT = "#0b5cad"
ACCENT_TEXT = "#ffffff"
BORDER = "#d9d6cf"
ALARM = "#b3261e"

FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),  # Debian: fonts-dejavu-core
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian: fonts-wqy-microhei
)
HEADLINE_SIZES = range(72, 39, -4)
HEADLINE_TOP, HEADLINE_BOTTOM = 150, 480
KICKER_SIZES = range(34, 23, -2)
SITE_NAME_SIZES = range(36, 23, -2)
ELLIPSIS = "…"

# Where a line may break inside a word: around Chinese and Japanese characters, keeping opening
# brackets with the character after them and closing punctuation with the one before.
IDEOGRAPHS = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
OPENING = "「『（〔【〈《"
CLOSING = "、。，．！？：；」』）〕】〉》"
UNBREAKABLE = re.compile(
    rf"[{OPENING}]*[{IDEOGRAPHS}][{CLOSING}]*|(?:(?![{OPENING}]*[{IDEOGRAPHS}]).)+"
)
# The favicon's letter (static/favicon.svg), on its 32×32 grid.
LOGO_LETTER = [
    (9, 23),
    (9, 9),
    (12.2, 9),
    (19.3, 18.1),
    (19.3, 9),
    (23, 9),
    (23, 23),
    (19.9, 23),
    (12.7, 13.8),
    (12.7, 23),
]


@dataclass(frozen=True)
class Token:
    text: str
    spaced: bool  # a space stands before it unless it starts a line


def draw(*, headline: str, kicker: str, site_name: str, alarm: bool = False) -> bytes:
    """Return the PNG of a share card; `alarm` sets the kicker in the error colour."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    canvas = ImageDraw.Draw(image)
    canvas.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    column = WIDTH - 2 * MARGIN
    if kicker:
        size, lines = fit(kicker, KICKER_SIZES, column, max_lines=1)
        write(canvas, lines, size, top=72, line_height=size, fill=ALARM if alarm else ACCENT)
    size, lines = fit(headline, HEADLINE_SIZES, column, max_lines=None)
    write(canvas, lines, size, top=HEADLINE_TOP, line_height=line_height(size), fill=TEXT)

    canvas.line((MARGIN, 520, WIDTH - MARGIN, 520), fill=BORDER, width=2)
    logo = 48
    draw_logo(canvas, MARGIN, 548, logo)
    size, lines = fit(site_name, SITE_NAME_SIZES, column - logo - 20, max_lines=1)
    write(
        canvas,
        lines,
        size,
        top=548 + (logo - size) // 2,
        line_height=size,
        fill=TEXT,
        left=MARGIN + logo + 20,
    )
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def line_height(size: int) -> int:
    return round(size * 1.22)


def fit(text: str, sizes, width: int, *, max_lines: int | None) -> tuple[int, list[str]]:
    """Return the largest of `sizes` at which `text` wraps into the lines it may take (the
    headline's area, or `max_lines`), with those lines; at the smallest size, the lines that
    fit, the last one ending in an ellipsis after its last whole word."""
    tokens = tokenize(text)
    for size in sizes:
        allowed = max_lines or (HEADLINE_BOTTOM - HEADLINE_TOP) // line_height(size)
        lines = wrap(tokens, size, width)
        if len(lines) <= allowed:
            return size, [joined(line) for line in lines]
    return size, shortened(lines, allowed, size, width)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for word in text.split():
        for index, piece in enumerate(UNBREAKABLE.findall(word)):
            tokens.append(Token(piece, spaced=index == 0))
    return tokens


def joined(tokens) -> str:
    return "".join(
        (" " if token.spaced and index else "") + token.text for index, token in enumerate(tokens)
    )


def wrap(tokens: list[Token], size: int, width: int) -> list[list[Token]]:
    """Fill lines with whole tokens; a token wider than a line on its own is split where the
    line ends, the only case a word is broken."""
    lines, line = [], []
    for token in tokens:
        if not line or text_width(joined([*line, token]), size) <= width:
            line.append(token)
            continue
        lines.append(line)
        line = [token]
    if line:
        lines.append(line)
    return [piece for line in lines for piece in split_overlong(line, size, width)]


def split_overlong(line: list[Token], size: int, width: int) -> list[list[Token]]:
    if len(line) > 1 or text_width(line[0].text, size) <= width:
        return [line]
    pieces, piece = [], ""
    for character in line[0].text:
        if piece and text_width(piece + character, size) > width:
            pieces.append([Token(piece, spaced=False)])
            piece = ""
        piece += character
    return [*pieces, [Token(piece, spaced=False)]]


def shortened(lines, allowed: int, size: int, width: int) -> list[str]:
    kept = [joined(line) for line in lines[: allowed - 1]]
    last = joined(lines[allowed - 1])
    while last and text_width(last + ELLIPSIS, size) > width:
        words = last.rsplit(" ", 1)
        # A line of one piece of an overlong word loses characters; any other, its last word.
        last = words[0] if len(words) > 1 else last[:-1]
    return [*kept, last + ELLIPSIS]


def write(canvas, lines, size, *, top, line_height, fill, left=MARGIN) -> None:
    """Draw `lines` from `top`, each line's runs in the fonts that have their characters;
    right-to-left text (Arabic, Hebrew) is set from the right margin."""
    rtl = is_right_to_left(" ".join(lines))
    for number, line in enumerate(lines):
        baseline = top + number * line_height + round(size * 0.95)
        runs = [(run, font, direction(font, rtl)) for run, font in font_runs(line, size)]
        widths = [font.getlength(run, direction=way) for run, font, way in runs]
        x = WIDTH - MARGIN - sum(widths) if rtl else left
        if rtl:  # the line's first run is its rightmost
            runs, widths = runs[::-1], widths[::-1]
        for (run, font, way), run_width in zip(runs, widths, strict=True):
            canvas.text((x, baseline), run, font=font, fill=fill, anchor="ls", direction=way)
            x += run_width


def direction(font: ImageFont.FreeTypeFont, rtl: bool) -> str | None:
    # Only libraqm sets a direction (Debian: libfribidi0 is missing without it, and Pillow's own
    # font never uses it); else Pillow sets text left to right, unshaped.
    return "rtl" if rtl and font.layout_engine == ImageFont.Layout.RAQM else None


def draw_logo(canvas, left: int, top: int, size: int) -> None:
    scale = size / 32
    canvas.rounded_rectangle((left, top, left + size, top + size), radius=6 * scale, fill=ACCENT)
    canvas.polygon([(left + x * scale, top + y * scale) for x, y in LOGO_LETTER], fill=ACCENT_TEXT)


def is_right_to_left(text: str) -> bool:
    """Tell whether the text's first strongly directional character is written right to left."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def text_width(text: str, size: int) -> float:
    return sum(font.getlength(run) for run, font in font_runs(text, size))


def font_runs(text: str, size: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """Split `text` into runs of characters that one font draws, in order."""
    runs: list[tuple[str, ImageFont.FreeTypeFont]] = []
    for character in text:
        font = runs[-1][1] if runs and character.isspace() else font_for(character, size)
        if runs and runs[-1][1] is font:
            runs[-1] = (runs[-1][0] + character, font)
        else:
            runs.append((character, font))
    return runs


def font_for(character: str, size: int) -> ImageFont.FreeTypeFont:
    """Return the first font, at `size`, that has `character`; the first font there is, else."""
    return fonts(size)[font_index(character)]


@functools.cache
def font_index(character: str) -> int:
    available = fonts(40)
    return next((i for i, font in enumerate(available) if has_glyph(font, character)), 0)


@functools.cache
def fonts(size: int) -> tuple[ImageFont.FreeTypeFont, ...]:
    found = [ImageFont.truetype(path, size) for path in FONT_FILES if path.exists()]
    return (*found, ImageFont.load_default(size=size))


def has_glyph(font: ImageFont.FreeTypeFont, character: str) -> bool:
    # Pillow does not expose a font's character map; a missing character is drawn as the
    # font's "missing glyph" box, so compare with that of a character no font has.
    return rendered(font, character) != rendered(font, "\U000effff")


def rendered(font: ImageFont.FreeTypeFont, character: str) -> tuple:
    mask = font.getmask(character)
    return mask.size, bytes(mask)


def font_names() -> list[str]:
    """Name the fonts cards are drawn with on this machine (they shape what a card shows)."""
    return [path.name for path in FONT_FILES if path.exists()]
