"""Settings of the benchmark's server (DJANGO_SETTINGS_MODULE=bench.settings, as `make bench`
runs it): the site's own, plus the reference pages of `bench/urls.py` and an `X-Queries` header."""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
