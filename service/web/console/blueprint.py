"""The console's blueprint, its CSRF guard and the headers on every page it serves.

Apart from the package so that the page modules can register their routes on it
without importing the package that imports them.
"""

from __future__ import annotations

from flask import Blueprint
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from service.web.console.counts import day_name

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")
csrf = CSRFProtect()
bp.add_app_template_filter(day_name, "day")

# No script anywhere, styles and images from the app only, never framed.
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
SESSION_HOURS = 8
# app.extensions key of the logouts kept on disk while Redis could not take them.
ENDED_SESSIONS = "signpost_ended_sessions"


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the console's pages only.

    Flask opens the session for every request, before it knows the route: it builds a
    signing serializer and parses the cookies, a tenth of a webhook's own time. A
    webhook carries no cookie (the console's is path-bound to /console) and has no use
    for one, so everywhere else Flask gets its null session, which is never saved.
    """

    def open_session(self, app, request):
        path, prefix = request.path, bp.url_prefix or ""
        if path == prefix or path.startswith(prefix + "/"):
            return super().open_session(app, request)
        return None


@bp.after_request
def headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
