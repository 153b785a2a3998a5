"""gunicorn settings for the Procfile's ``web:`` line.

Without TWILIO_AUTH_TOKEN nothing checks that requests come from Twilio, so the
server binds loopback only and refuses any other address.
"""

import os
import resource
import sys
import tempfile

# Each connection is a greenlet (gevent), not one of a few threads: a client that
# sends its headers a line every few seconds holds a greenlet costing a few KB, and
# every other webhook is still answered at once (tests/load/slow_clients.py measures
# it: 100 such clients kept every webhook of gthread's 16 threads waiting, and none of
# gevent's). Patched here, in the master, before the app is preloaded, so the locks
# the app creates at start-up (the Redis pool's, logging's) are gevent's too.
from gevent import monkey

monkey.patch_all()

from service.config import LOOPBACK_HOSTS  # noqa: E402

_token = bool(os.environ.get("TWILIO_AUTH_TOKEN"))
bind = [f"{'0.0.0.0' if _token else '127.0.0.1'}:{os.environ.get('PORT', '5000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A worker answers other webhooks while one waits on Redis or on a slow client.
worker_class = "gevent"
# Open connections a worker holds at once, slow ones included; past this it stops
# accepting until one closes, and every webhook waits behind the slow. A connection
# waiting on a slow client is a parked greenlet (a few KB), so there is room for many
# more than any flood of slow clients is likely to open, and each is cut off within
# the read deadlines below. 2,500 slow clients filled the old 1,000 a worker.
worker_connections = int(os.environ.get("SIGNPOST_WEB_CONNECTIONS", "5000"))
# Each connection is a file descriptor: raise this process's soft limit (the workers
# inherit it) as far as the hard limit allows, towards what the workers may hold.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_wanted = int(os.environ.get("WEB_CONCURRENCY", "2")) * worker_connections + 256
if _soft != resource.RLIM_INFINITY and _soft < _wanted:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_wanted if _hard == resource.RLIM_INFINITY else min(_wanted, _hard), _hard))
# The read deadlines: a request's headers must arrive within this many seconds (gevent
# workers hold the whole header read to gunicorn's keep-alive setting, which also ends
# an idle connection), and its body within as long again after them (service.web.deadlines,
# SIGNPOST_REQUEST_READ_SECONDS, 408 after it). A client still sending is cut off.
keepalive = max(1, round(float(os.environ.get("SIGNPOST_REQUEST_READ_SECONDS", "5"))))
# Load the pack once, before forking: a broken pack stops start-up, and the
# workers share its memory.
preload_app = True
accesslog = "-"
# Paths only: a call's step URL carries its state in the query (a keyed number only
# sealed), which has no place in a log line.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
timeout = 30

# /metrics must count every worker's webhooks, not only those of the worker that
# answers the scrape: prometheus-client's multiprocess mode shares them through
# files. Set before the app (and prometheus-client) is loaded; a fresh folder each
# start, as its documentation asks.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="signpost-metrics-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


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
    print("warning: TWILIO_AUTH_TOKEN is not set; signatures are not checked (loopback only)", file=sys.stderr)
