from django.conf import settings


def site(request):
    """Expose the newsroom's name and the page's canonical address to every template."""
    return {"site_name": settings.NEWSROOM_SITE_NAME, "canonical_url": canonical_url(request)}


def canonical_url(request):
    """Return the page's address without tracking or filter parameters; page 2+ keep `page`."""
    url = request.build_absolute_uri(request.path)
    page = request.GET.get("page", "")
    return f"{url}?page={page}" if page.isascii() and page.isdigit() and int(page) > 1 else url
