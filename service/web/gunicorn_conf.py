"""gunicorn settings for the Procfile's ``web:`` line.

Without TWILIO_AUTH_TOKEN nothing checks that requests come from Twilio, so the
server binds loopback only and refuses any other address.
"""

import os
import sys

from service.config import LOOPBACK_HOSTS

_token = bool(os.environ.get("TWILIO_AUTH_TOKEN"))
bind = [f"{'0.0.0.0' if _token else '127.0.0.1'}:{os.environ.get('PORT', '5000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a worker answer another webhook while one waits on Redis; the work
# itself is short, so a few threads per process are enough.
worker_class = "gthread"
threads = int(os.environ.get("SIGNPOST_WEB_THREADS", "8"))
# Load the pack once, before forking: a broken pack stops start-up, and the
# workers share its memory.
preload_app = True
accesslog = "-"
# Paths only: a call's step URL carries its state in the query (a keyed number only
# sealed), which has no place in a log line.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
timeout = 30


def on_starting(server):
    if _token:
        return
    for address in server.cfg.bind:
        host = address.rsplit(":", 1)[0] if not address.startswith("unix:") else "127.0.0.1"
        if host not in LOOPBACK_HOSTS:
            print(
                f"refusing to bind {address}: TWILIO_AUTH_TOKEN is not set, so webhook "
                "signatures cannot be checked. Set it, or bind 127.0.0.1.",
                file=sys.stderr,
            )
            sys.exit(2)
    print("warning: TWILIO_AUTH_TOKEN is not set; signatures are not checked (loopback only)",
          file=sys.stderr)
