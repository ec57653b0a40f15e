"""Errors for the vote's script: JSON with a message, whichever part of Django answered."""

from django.http import JsonResponse
from django.urls import Resolver404, resolve

VOTE_VIEW = "feedback:vote"
MESSAGES = {
    400: "Your vote could not be read. Reload the page and try again.",
    403: "Your vote was refused because it did not come from a page of this site. Reload the "
    "article and try again.",
    404: "This article is not open for feedback.",
    405: "Votes are sent with POST.",
}
CLIENT_ERROR = "Your vote could not be sent. Reload the page and try again."
SERVER_ERROR = (
    "Something went wrong on our side and your vote was not recorded. Please try again later."
)
# The new body brings its own type and length; everything else (Allow, Retry-After,
# Cache-Control, Vary) still describes the answer.
REPLACED_HEADERS = {"content-type", "content-length"}


class VoteErrorsAsJsonMiddleware:
    """Answer JSON to a vote client for every error, not only those the vote view returns.

    The refusal of a post from another site (403) and Django's own answers (400 for a bad
    host, 404, 405, 500 pages) are HTML; the page's script reads JSON, so it would show a
    generic failure instead of the reason.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type") == "application/json":
            return response
        if not (wants_json(request) and is_vote_request(request)):
            return response
        return as_json(response)


def wants_json(request) -> bool:
    return request.accepts("application/json") and not request.accepts("text/html")


def is_vote_request(request) -> bool:
    try:
        return resolve(request.path_info).view_name == VOTE_VIEW
    except Resolver404:
        return False


def as_json(response):
    status = response.status_code
    message = MESSAGES.get(status, SERVER_ERROR if status >= 500 else CLIENT_ERROR)
    answer = JsonResponse({"error": message, "errors": {}}, status=status)
    for name, value in response.items():
        if name.lower() not in REPLACED_HEADERS:
            answer[name] = value
    answer.cookies = response.cookies
    return answer
