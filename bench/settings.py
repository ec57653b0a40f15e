"""Settings of the benchmark's server (DJANGO_SETTINGS_MODULE=bench.settings, as `make bench`
runs it): the site's own, plus the reference pages of `bench/urls.py` and an `X-Queries` header."""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

# bench/writer.py publishes copies of the newest articles under new titles to time how soon the
# pages show a write; the publication gates would hold every copy as a near duplicate.
PUBLISH_GATES = []
