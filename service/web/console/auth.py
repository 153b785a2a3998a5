"""Logging in and out, and the gate every other console page is behind."""

from __future__ import annotations

import threading

import redis
from flask import abort, current_app, g, redirect, render_template, request, session, url_for

from service.web.console.blueprint import bp, csrf
from service.web.console.accounts import ATTEMPTS, Accounts
from service.state.keys import LOGIN_WAIT
from service.web.signature import VALIDATOR, from_loopback

# One message for every refusal: it must not tell a guesser which part was wrong,
# nor that an account exists.
REFUSED = (f"Those details did not work. After {ATTEMPTS} failed tries, logging in waits "
           f"{LOGIN_WAIT // 60} minutes.")
OPEN = {"console.login", "console.static", "console.index"}
BUSY = "Another login is being checked. Try again in a moment."
# One password check at a time in a web process. An Argon2 check holds the worker's
# event loop (gevent) for tens of milliseconds, and the webhooks share it: logins
# posted side by side would keep a texter or caller waiting past Twilio's timeout.
CHECKING = threading.BoundedSemaphore(1)


def accounts() -> Accounts:
    line = current_app.extensions["signpost"]
    return Accounts(line.store.redis, line.config.hash_key)


@bp.before_request
def gate():
    # Without a token the session key is the public development default, so a cookie
    # anyone can make would open the console: this machine only, as for the webhooks.
    if current_app.extensions[VALIDATOR] is None and not from_loopback(request):
        abort(403)
    if request.method == "POST":
        csrf.protect()
    g.user = session.get("user")
    if g.user and request.endpoint != "console.static":
        try:
            if not accounts().exists(g.user):
                # Removed by `signpost users remove`: the session ends at its next page.
                session.clear()
                g.user = None
        except redis.RedisError:
            pass  # the signed cookie stands until it expires, so health opens while Redis is down
    if not g.user and request.endpoint not in OPEN:
        return redirect(url_for("console.login"))
    return None


@bp.get("/")
def index():
    if g.user:
        return redirect(url_for("console.usage"))
    try:
        anyone = accounts().any()
    except redis.RedisError:
        anyone = True  # cannot tell: offer the login, which explains
    if not anyone:
        return render_template("console/no_accounts.html")
    return redirect(url_for("console.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    message, status = "", 200
    if request.method == "POST":
        if not CHECKING.acquire(blocking=False):
            return render_template("console/login.html", message=BUSY), 503
        try:
            result = accounts().log_in(request.form.get("username", ""), request.form.get("password", ""),
                                       request.remote_addr or "")
        except redis.RedisError:
            message, status = "Accounts cannot be checked now (Redis is unreachable). Try again soon.", 503
        else:
            if result.ok:
                session.clear()
                session.permanent = True
                session["user"] = result.name
                return redirect(url_for("console.usage"))
            message, status = REFUSED, 401
        finally:
            CHECKING.release()
    return render_template("console/login.html", message=message), status


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("console.login"))
