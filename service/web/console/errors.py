"""The console's own error pages: in its frame, saying in plain words what happened and
what to do next, rather than a bare "Bad Request" or "The CSRF tokens do not match."

Ordinary use meets these: a login form left open while logging in in another tab, a
logout in one tab and a click in another, an old bookmark. Registered on the app (a
URL no route matches never reaches the blueprint's own handlers) but only for paths
under the console: the webhooks keep their own answers.
"""

from __future__ import annotations

from flask import Flask, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service.web.console.auth import header_for_error_page
from service.web.console.blueprint import bp

PAGES = {
    400: (
        "That did not work",
        "The browser sent something the console could not read.",
        "Go back and try again, or start from the summary.",
    ),
    403: (
        "You cannot open the console from here",
        "The console only opens on the machine the line runs on until it is set up to answer Twilio.",
        "Ask whoever runs the line.",
    ),
    404: (
        "Page not found",
        "There is no console page at this address.",
        "If you typed it, check it; if a link brought you here, start from the summary.",
    ),
    405: ("That did not work", "This page cannot be used that way.", "Start from the summary."),
}
LOGOUT_HOW = "Use Log out at the top of any console page."
STALE = (
    "This page was out of date",
    "The page had been open a long time, or you logged in or out in another tab since it opened.",
    "Nothing was changed. Go to the page again and repeat what you were doing.",
)
STALE_LOGIN = "The login page had been open a long time, or you logged in or out in another tab. Enter your name and password again."


def _ours() -> bool:
    prefix = bp.url_prefix or ""
    return request.path == prefix or request.path.startswith(prefix + "/")


def page(code: int, heading: str, what: str, next_step: str):
    if code == 403:  # refused before any cookie was trusted: a header for nobody
        g.user, g.attention = None, []
    else:
        header_for_error_page()
    return render_template("console/error.html", code=code, heading=heading, what=what, next_step=next_step), code


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def stale_form(exc: CSRFError):
        if not _ours():
            return exc
        if request.endpoint == "console.login":
            g.setdefault("user", None)
            g.setdefault("attention", [])
            return render_template(
                "console/login.html", message=STALE_LOGIN, name=request.form.get("username", "")[:64], next=request.form.get("next", "")
            ), 400
        return page(400, *STALE)

    @app.errorhandler(HTTPException)
    def styled(exc: HTTPException):
        if not _ours() or exc.code not in PAGES:
            return exc
        if exc.code == 405 and request.path == url_for("console.logout"):
            # The address of the Log out button, opened as a page (a bookmark, a typed address).
            return page(405, "Log out with the button", "Logging out is a button, not a page.", LOGOUT_HOW)
        return page(exc.code, *PAGES[exc.code])
