"""Every error under /api/ as application/problem+json, whichever layer answered it."""

from http import HTTPStatus

from newsroom.api.problems import PROBLEM_TYPE, Problem

API_PREFIX = "/api/"
JSON_TYPES = (PROBLEM_TYPE, "application/json")


class ApiProblemsMiddleware:
    """Turn the errors Django and other middleware give in HTML or plain text (a method not
    allowed, a refused precondition, a server error) into problems, for machine clients."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").split(";")[0].strip() in JSON_TYPES:
            return response
        status = response.status_code
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        problem = Problem(status, title, _detail(response, status))
        for name in ("Allow", "Retry-After", "ETag"):
            if name in response:
                problem.headers[name] = response[name]
        return problem.response()


def _detail(response, status: int) -> str:
    if status == 405:
        return f"This address takes {response.get('Allow', 'other methods')} only."
    if status >= 500:
        return "The server failed to answer this call; the failure is logged. Try it again."
    text = b"" if response.streaming else response.content[:300]
    words = " ".join(text.decode("utf-8", "replace").split())
    if words and not words.startswith("<"):
        return words
    return HTTPStatus(status).description if status in HTTPStatus._value2member_map_ else ""
