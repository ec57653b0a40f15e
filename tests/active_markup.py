"""Find markup a browser or feed reader would run: scripts, event handlers, javascript: URLs,
frames, <base>, <meta http-equiv=refresh>. Used by the feed and hostile-input tests."""

import re
from html.parser import HTMLParser

ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
# Browsers ignore these inside a URL scheme ("java\tscript:" runs).
IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")


class _Finder(HTMLParser):
    def __init__(self, allowed_scripts):
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and self.allowed_scripts(attributes):
            pass
        elif tag in ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}> element")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name} attribute on <{tag}>")
            elif name == "srcdoc":
                self.found.append(f"srcdoc attribute on <{tag}>")
            elif name in URL_ATTRIBUTES and SCRIPT_URL.match(IGNORED_IN_URLS.sub("", value or "")):
                self.found.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def no_scripts_allowed(attributes) -> bool:
    return False


def active_markup(html: str, allowed_scripts=no_scripts_allowed) -> list[str]:
    """Return a description of each piece of active markup in `html` (empty when inert)."""
    finder = _Finder(allowed_scripts)
    finder.feed(html)
    finder.close()
    return finder.found


def rendered_as_html(feed) -> list[str]:
    """The text of each element a feed reader renders as HTML."""
    if feed.tag == "rss":
        channel = feed.find("channel")
        parts = [channel.findtext("title"), channel.findtext("description")]
        for item in channel.findall("item"):
            parts += [item.findtext("title"), item.findtext("description")]
            parts.append(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded"))
        return parts
    return [element.text or "" for element in feed.iter() if element.get("type") == "html"]
