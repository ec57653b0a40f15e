"""Structured logs: one JSON line per request at a level that matches its status."""

import json
import logging
import time

logger = logging.getLogger("newsroom.request")

REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "cache")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line; tracebacks go in `traceback`."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in REQUEST_FIELDS if hasattr(record, key)})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


HEALTH_CHECKS = "/healthz"


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        level = (
            logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        )
        if status == 200 and request.path.startswith(HEALTH_CHECKS):
            level = logging.DEBUG  # a load balancer's or the edge's probe, every few seconds
        logger.log(
            level,
            "%s %s %s",
            request.method,
            request.get_full_path(),
            status,
            extra={
                "method": request.method,
                "path": request.get_full_path(),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "cache": response.get("X-Cache", ""),
            },
        )
        return response
