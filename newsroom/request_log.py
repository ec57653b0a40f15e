"""Structured logs: one JSON line per request at a level that matches its status, and one
line now and then while the cache is unreachable."""

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


class CacheOutageFilter(logging.Filter):
    """Say once in a while, in one line, that the cache is unreachable.

    While Redis is down every cache call fails and is logged by django-redis with a traceback;
    this lets one warning through every OUTAGE_LOG_SECONDS and names the error.
    """

    OUTAGE_LOG_SECONDS = 30

    def __init__(self):
        super().__init__()
        self.last_logged = float("-inf")

    def filter(self, record):
        now = time.monotonic()
        if now - self.last_logged < self.OUTAGE_LOG_SECONDS:
            return False
        self.last_logged = now
        error = record.exc_info[1] if record.exc_info else None
        cause = getattr(error, "__cause__", None) or error
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "Cache unreachable (%s); pages are served uncached until it is back."
        record.args = (f"{type(cause).__name__}: {cause}" if cause else "no detail",)
        record.exc_info = record.exc_text = None
        return True
