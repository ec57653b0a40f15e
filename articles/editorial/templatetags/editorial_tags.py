from django import template

from articles.editorial import desk

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_desk(context):
    """Return the desk's trays for the user the page is for."""
    return desk.trays(context["request"].user)
