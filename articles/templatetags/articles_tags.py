import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from articles import share_cards
from articles.feeds import xml_text
from articles.models import Section

register = template.Library()
register.filter("xml_text", xml_text)  # for text in XML templates (the news sitemap)


@register.inclusion_tag("includes/_section_nav.html", takes_context=True)
def section_nav(context):
    """Render the header's section links; the current section is marked."""
    current = context.get("section")
    return {"sections": Section.objects.all(), "current": current}


@register.simple_tag(takes_context=True)
def listing_share_image(context, section=None, tag=None):
    """Return the share card of a section's page, a tag's, or else the site's, as
    includes/_social_meta.html takes an image (none for a page rendered without a request)."""
    request = context.get("request")
    if request is None:
        return None
    card, path = share_cards.listing_card_and_path(section=section, tag=tag)
    return share_cards.image(card, request.build_absolute_uri(path))


@register.filter
def join_claims(claims):
    """Join ["a", "b", "c"] as "a, b, and c"."""
    claims = list(claims)
    if len(claims) <= 2:
        return " and ".join(claims)
    return f"{', '.join(claims[:-1])}, and {claims[-1]}"


@register.filter
def absolute_fragments(html, url):
    """Point the body's in-page links (`#ref-2`) at the article's own address (for feeds)."""
    return mark_safe(html.replace('href="#', f'href="{escape(url)}#'))  # noqa: S308 - stored HTML


JSON_LD_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """Write data as a JSON-LD block; <, > and & are escaped so no text can close the script."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_LD_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.filter
def iso_seconds(value):
    """Format a datetime as ISO 8601 to the second, with its UTC offset (W3C datetime)."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""
