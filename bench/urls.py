"""The site's URLs, and the benchmark's reference pages in front of them."""

from django.urls import include, path

from bench.views import ceiling, one_query_page

urlpatterns = [
    path("bench/ceiling", ceiling, name="bench_ceiling"),
    path("bench/one-query/<slug:slug>/", one_query_page, name="bench_one_query_page"),
    path("", include("newsroom.urls")),
]
