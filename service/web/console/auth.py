"""Logging in and out, and the gate every other console page is behind."""

from __future__ import annotations

import datetime as dt
import math
import threading

import redis
from flask import abort, current_app, g, redirect, render_template, request, session, url_for

from flows.hours import UK
from service.state.keys import LOGIN_WAIT
from service.state.store import uk_today
from service.web.console.accounts import ATTEMPTS, Accounts
from service.web.console.attention import needs_attention
from service.web.console.blueprint import ENDED_SESSIONS, bp, csrf
from service.web.signature import VALIDATOR, from_loopback

# One message for every refusal: it must not tell a guesser which part was wrong,
# nor that an account exists.
REFUSED = (
    f"The name or password is not right. Check them and try again: after {ATTEMPTS} failed "
    f"tries, logging in waits {LOGIN_WAIT // 60} minutes."
)
OPEN = {"console.login", "console.static", "console.index"}
# What a signed-in cookie opens while Redis, which knows whether it was logged out, is away.
UNCHECKED = {"console.health", "console.logout"}
BUSY = "Other logins are being checked. Try again in a moment."
LOGOUT_INCOMPLETE = (
    "You have logged out, here and on any other browser where this account was logged in. The "
    "line's store could not take the logout, so this server keeps it instead; if the line "
    "runs on more than one server, log in and out again once the store is back."
)
LOGGED_OUT = "You have logged out, here and on any other browser where this account was logged in."
# Said while logging in waits: until when, and not whether the account or the address
# waits (which would tell a guesser an account's name, or that others guess too).
# Behind a proxy every colleague comes from one address; those who have logged in from it
# before are not held up by others' failures (accounts.py), and it says so.
WAITING = (
    "There have been too many failed tries, so logging in here waits until {until} (UK time). "
    "Colleagues who have logged in from the same place before can still log in. Try again "
    "after that; if it keeps happening, ask whoever runs the line."
)
# One password check at a time in a web process. An Argon2 check is tens of
# milliseconds of CPU and 64 MiB (run off the event loop: accounts.off_the_event_loop),
# and the webhooks share the machine: logins posted side by side must not crowd them.
# A login waits its turn for this long (a few dozen checks) before being told to try again.
CHECKING = threading.BoundedSemaphore(1)
TURN_SECONDS = 2.0


def accounts() -> Accounts:
    line = current_app.extensions["signpost"]
    return Accounts(line.store.redis, line.config.hash_key, current_app.extensions[ENDED_SESSIONS])


def signed_in() -> str | None:
    """Who the cookie says is logged in, if that session still stands (raises RedisError
    when that cannot be known)."""
    user = session.get("user")
    if user and not accounts().session_valid(user, session.get("generation", "")):
        # Logged out, password changed or account removed since this cookie was
        # issued (here or on another browser): the session is over.
        session.clear()
        return None
    return user


def header_for_error_page() -> None:
    """The header an error page shows: who is logged in and what needs attention, as on
    every page, for a URL no console route matched (so the gate above never ran)."""
    if "attention" in g:
        return
    try:
        g.user = signed_in()
        g.attention = needs_attention(current_app.extensions["signpost"], uk_today()) if g.user else []
    except redis.RedisError:
        g.user, g.attention = None, []


@bp.before_request
def gate():
    # Without a token the session key is the public development default, so a cookie
    # anyone can make would open the console: this machine only, as for the webhooks.
    if current_app.extensions[VALIDATOR] is None and not from_loopback(request):
        abort(403)
    # Logging out needs no token: a tab left open from before another login holds a stale
    # one, and refusing it would leave the browser logged in while its user walks away. No
    # other site can make use of that: the cookie is SameSite=Strict, so a post from
    # elsewhere arrives with no session to end.
    if request.method == "POST" and request.endpoint != "console.logout":
        csrf.protect()
    g.user = session.get("user")
    if g.user and request.endpoint != "console.static":
        try:
            g.user = signed_in()
        except redis.RedisError:
            # A cookie that cannot be checked may be one logged out since: it opens the
            # health page alone, which says what is wrong, and nothing else until Redis is back.
            if request.endpoint not in UNCHECKED:
                return redirect(url_for("console.health"))
    if not g.user and request.endpoint not in OPEN:
        # Back to the page asked for once logged in (a deep link from a colleague).
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.login", next=wanted) if wanted else url_for("console.login"))
    g.attention = []
    if g.user and request.endpoint != "console.static":
        g.attention = needs_attention(current_app.extensions["signpost"], uk_today())
    return None


def safe_next(wanted: str) -> str:
    """A page of the console to go on to after logging in; anything else is not followed."""
    prefix = bp.url_prefix or ""
    if wanted.startswith(prefix + "/") and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return url_for("console.summary")


@bp.get("/")
def index():
    if g.user:
        return redirect(url_for("console.summary"))
    try:
        anyone = accounts().any()
    except redis.RedisError:
        anyone = True  # cannot tell: offer the login, which explains
    if not anyone:
        return render_template("console/no_accounts.html")
    return redirect(url_for("console.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    # Logging out went as asked: said as news, not as a problem (no "Error:" in the title).
    notice = {"incomplete": LOGOUT_INCOMPLETE, "done": LOGGED_OUT}.get(request.args.get("logout", ""), "")
    message, status = "", 200
    name, wanted = request.form.get("username", "")[:64], request.values.get("next", "")
    if request.method == "POST":
        address = login_address(request, current_app.extensions["signpost"].config.proxy_hops)
        try:
            # Refused while waiting before it queues for a password check: a guess that
            # cannot succeed costs one Redis round trip, never a hash.
            result = accounts().waiting(name, address)
        except redis.RedisError:
            result = None  # log_in will say Redis is unreachable
        if result is not None:
            return waiting(result, name, wanted)
        if not CHECKING.acquire(timeout=TURN_SECONDS):
            return render_template("console/login.html", message=BUSY, name=name, next=wanted), 503
        try:
            result = accounts().log_in(name, request.form.get("password", ""), address)
        except (redis.exceptions.OutOfMemoryError, redis.exceptions.ReadOnlyError):
            # Redis answers but takes no writes (full, or a replica): logging in counts
            # failures and keeps sessions, so it waits for that to pass. The health page
            # (and /healthz) say "refusing writes" meanwhile.
            message, status = (
                (
                    "Logging in cannot be checked just now (the line's store is full "
                    "or refuses changes). Try again in a few minutes, and "
                    "tell whoever runs the line."
                ),
                503,
            )
        except redis.RedisError:
            message, status = (
                ("Logging in cannot be checked just now (the line's store cannot be reached). Try again in a few minutes."),
                503,
            )
        else:
            if result.waits_until is not None:
                return waiting(result, name, wanted)
            if result.busy:
                return render_template("console/login.html", message=BUSY, name=name, next=wanted), 503
            if result.ok:
                generation = accounts().session_generation(result.name)
                session.clear()
                session.permanent = True
                session["user"] = result.name
                session["generation"] = generation
                return redirect(safe_next(wanted))
            message, status = REFUSED, 401
        finally:
            CHECKING.release()
    return render_template("console/login.html", message=message, notice=notice, name=name, next=wanted), status


def login_address(req, hops: int) -> str:
    """Where a login came from: the peer, or behind ``hops`` proxies (SIGNPOST_PROXY_HOPS)
    the address the outermost of them was reached from (each proxy appends the address
    it saw to X-Forwarded-For, so it is ``hops`` from the end; anything before it was
    written by the client and is not trusted)."""
    if hops:
        forwarded = [a.strip() for a in req.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return req.remote_addr or ""


def waiting(result, name: str, wanted: str):
    # To the minute, rounded up: a time rounded down would send a colleague back too soon.
    until = dt.datetime.fromtimestamp(math.ceil(result.waits_until / 60) * 60, UK)
    page = render_template("console/login.html", message=WAITING.format(until=until.strftime("%H:%M")), name=name, next=wanted)
    seconds = max(1, int(result.waits_until - dt.datetime.now(UK).timestamp()) + 1)
    return page, 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
def logout():
    """Ends every session of the account, not only this browser's: a cookie copied
    before the logout must not open the console after it."""
    ended = True
    if g.user:
        try:
            accounts().end_sessions(g.user)
        except redis.RedisError:
            # Redis is away or refuses writes: this machine's disk keeps the logout, so
            # a copied cookie stays refused when Redis is back (see ended_sessions).
            ended = False
            current_app.extensions[ENDED_SESSIONS].end(g.user, session.get("generation", ""))
    session.clear()
    # Said on the login page: logged out here, and on every other browser of the account.
    return redirect(url_for("console.login", logout="done" if ended else "incomplete"))
