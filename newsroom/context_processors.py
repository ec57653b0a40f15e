from django.conf import settings


def site(request):
    """Expose the newsroom's name to every template."""
    return {"site_name": settings.NEWSROOM_SITE_NAME}
