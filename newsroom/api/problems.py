"""Errors as `application/problem+json` (RFC 9457): what went wrong, and the field, if any."""

import json

from django.http import HttpResponse

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """An API call that cannot be done: raised anywhere under an endpoint, answered as is."""

    def __init__(self, status: int, title: str, detail: str, *, field: str = "", **extra):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
        self.extra = extra
        self.headers: dict[str, str] = {}

    def response(self) -> HttpResponse:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        body["detail"] = self.detail
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=self.status, content_type=PROBLEM_TYPE
        )
        for name, value in self.headers.items():
            response[name] = value
        return response


def bad_request(detail: str, *, field: str = "") -> Problem:
    return Problem(400, "Bad request", detail, field=field)


def invalid(detail: str, *, field: str = "", **extra) -> Problem:
    return Problem(422, "Invalid content", detail, field=field, **extra)


def not_found(detail: str) -> Problem:
    return Problem(404, "Not found", detail)


def conflict(detail: str, **extra) -> Problem:
    return Problem(409, "Conflict", detail, **extra)


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def unauthorized(detail: str) -> Problem:
    problem = Problem(401, "Unauthorized", detail)
    problem.headers["WWW-Authenticate"] = 'Bearer realm="newsroom"'
    return problem
