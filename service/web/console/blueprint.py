"""The console's blueprint, its CSRF guard and the headers on every page it serves.

Apart from the package so that the page modules can register their routes on it
without importing the package that imports them.
"""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("console", __name__, url_prefix="/console",
               template_folder="templates", static_folder="static")
csrf = CSRFProtect()

# No script anywhere, styles and images from the app only, never framed.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SESSION_HOURS = 8


@bp.after_request
def headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
