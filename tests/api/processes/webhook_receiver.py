"""A webhook receiver in a process of its own, as a newsroom's subscriber runs one.

    python webhook_receiver.py PORT SECRET LOG [UP_FLAG] [hang]

It verifies every POST with the standardwebhooks library and appends one JSON line per request
to LOG: the webhook-id, the event type, the article's external_id, and whether the signature
verified. While UP_FLAG (a path) does not exist, it answers 503 without reading the event, as a
receiver that is down would. With `hang` it logs each request as it comes and never answers.
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook, WebhookVerificationError

PORT, SECRET, LOG = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
UP_FLAG = Path(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None
HANGS = sys.argv[5:] == ["hang"]
webhook = Webhook(SECRET)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if HANGS:
            self._log({"hangs": True, "type": json.loads(body)["type"]})
            time.sleep(3600)
        if UP_FLAG is not None and not UP_FLAG.exists():
            self._log({"down": True, "id": self.headers.get("webhook-id")})
            self.send_response(503)
            self.end_headers()
            return
        try:
            event = webhook.verify(body, dict(self.headers))
            verified = True
        except WebhookVerificationError:
            event, verified = json.loads(body), False
        self._log(
            {
                "id": self.headers.get("webhook-id"),
                "type": event.get("type"),
                "external_id": event.get("data", {}).get("article", {}).get("external_id"),
                "verified": verified,
            }
        )
        self.send_response(204 if verified else 400)
        self.end_headers()

    def _log(self, line):
        with LOG.open("a") as log:
            log.write(json.dumps(line) + "\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Receiver).serve_forever()
