"""The partnership's console at ``/console/``: usage, content, a simulator, health.

Read-only by design: nothing here sends a text, changes content or shows a phone
number (the store holds none). It runs in the web process beside the webhooks,
behind a login (``signpost users add NAME``), and needs no other host: charts
are SVG drawn on the server and the pages carry no script at all, so the
Content-Security-Policy allows none.

Sessions are Flask's signed cookie (HttpOnly, SameSite=Strict, Secure when
``PUBLIC_BASE_URL`` is https), so a logged-in page still opens while Redis is
down: the health page must.

CSRF: every POST carries a token from Flask-WTF's ``CSRFProtect`` (signed with the
app's key, bound to the session, time-limited, compared in constant time),
checked only on this blueprint: Twilio's webhooks are authenticated by their
signature and could not send a token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

from flask import Flask

from service.state.ended_sessions import EndedSessions

# Each page module registers its routes on the blueprint as it is imported.
from service.web.console import auth, callpaths, content, health, review, simulator, summary, usage  # noqa: F401
from service.web.console import errors, reviews
from service.web.console.blueprint import ENDED_SESSIONS, SESSION_HOURS, ConsoleSessions, bp, csrf


def install(app: Flask) -> None:
    """Register the console and what it needs on ``app`` (the factory calls this)."""
    line = app.extensions["signpost"]
    # Derived from SIGNPOST_SECRET_KEY, so it is not the key that hashes numbers.
    app.secret_key = hmac.new(line.config.hash_key, b"console-session", hashlib.sha256).digest()
    app.session_interface = ConsoleSessions()
    app.extensions[ENDED_SESSIONS] = EndedSessions(Path(line.config.state_dir) / "console-logouts", SESSION_HOURS * 3600)
    app.config.update(
        SESSION_COOKIE_NAME="signpost_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=line.config.public_base_url.startswith("https://"),
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the console's own hook (see above)
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        # The strict https check compares the Referer, which our Referrer-Policy never
        # sends; SameSite=Strict and the token already keep other sites' posts out.
        WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
    errors.install(app)
    # The review page's report, made now rather than in a request (see reviews).
    reviews.prepare(line.every_pack)
