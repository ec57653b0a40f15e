from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles.sitemaps import SITEMAPS, news_sitemap, robots_txt
from images.views import rendition_file
from newsroom.api.endpoints import api, unknown_address
from newsroom.health import healthz, pages_healthz

admin.site.site_header = "Newsroom administration"
admin.site.site_title = "Newsroom admin"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path(
        "sitemap.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("sitemap-news.xml", news_sitemap, name="news_sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", healthz, name="healthz"),
    path("healthz/pages", pages_healthz, name="pages_healthz"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_address),
    *(
        # Media at an address of this site (MEDIA_URL, "/media/") is served from here.
        [path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", rendition_file, name="media")]
        if not urlsplit(settings.MEDIA_URL).netloc
        else []
    ),
    path("", include("articles.urls")),
    path("", include("feedback.urls")),
]
