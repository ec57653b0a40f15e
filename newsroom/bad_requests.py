"""Refuse, with a 400 that says why, requests that would otherwise fail deep inside Django.

- A NUL character in a query or form parameter: PostgreSQL cannot store or compare text holding
  one, so a search filter or an admin lookup with `%00` raised a DataError (a 500).
- A form body declared in a charset other than UTF-8 (or an unknown one): Django refuses to read
  it, and then reads it again while building its own 400 page (for the CSRF check), which fails
  the same way and ends as a 500.
"""

import codecs

from django.http import HttpResponseBadRequest
from django.utils.http import parse_header_parameters

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_UTF8 = "Send forms as UTF-8 (charset=utf-8): the Content-Type charset {charset!r} is refused."
UNKNOWN_CHARSET = "The Content-Type charset {charset!r} is not a known character encoding."
NUL_IN_PARAMETER = "The parameter {name!r} contains a NUL character, which no text here may hold."


class BadRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = charset_problem(request) or nul_problem(request)
        if problem:
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def charset_problem(request) -> str:
    content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    charset = params.get("charset")
    if charset is None:
        return ""
    if content_type in FORM_TYPES and charset.lower() != "utf-8":  # as Django's own check
        return NOT_UTF8.format(charset=charset)
    try:
        codecs.lookup(charset)
    except LookupError:
        return UNKNOWN_CHARSET.format(charset=charset)
    return ""


def nul_problem(request) -> str:
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        parameters.append(request.POST)
    for query in parameters:
        for name, values in query.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return NUL_IN_PARAMETER.format(name=name.replace("\x00", "\\x00"))
    return ""
