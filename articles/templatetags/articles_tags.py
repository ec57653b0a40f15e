from django import template

from articles.models import Section

register = template.Library()


@register.inclusion_tag("includes/_section_nav.html", takes_context=True)
def section_nav(context):
    """Render the header's section links; the current section is marked."""
    current = context.get("section")
    return {"sections": Section.objects.all(), "current": current}


@register.filter
def join_claims(claims):
    """Join ["a", "b", "c"] as "a, b, and c"."""
    claims = list(claims)
    if len(claims) <= 2:
        return " and ".join(claims)
    return f"{', '.join(claims[:-1])}, and {claims[-1]}"
