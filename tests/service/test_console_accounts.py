"""Console accounts: the users command, hashed passwords, login, CSRF, cookies, lockout."""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
import requests
from flask import Flask, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argon2 import PasswordHasher

from flows.hours import UK
from service.config import Config, ConfigError
from service.web.console import accounts as accounts_module
from service.web.console.accounts import ATTEMPTS, Accounts
from service.web.console.blueprint import ConsoleSessions
from service.state.keys import CONSOLE_USERS as USERS_KEY, LOGIN_CHECKS
from service.state.embedded_redis import EmbeddedRedis
from tests.console_support import PASSWORD, csrf_token
from tests.support import every_redis_byte


def signpost(*args, stdin="", redis_url):
    env = {**os.environ, "REDIS_URL": redis_url}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_users_add_list_remove_with_the_password_from_stdin(redis_server, redis_client):
    added = signpost("users", "add", "Dana", stdin=PASSWORD + "\n", redis_url=redis_server.url)
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    assert signpost("users", "list", redis_url=redis_server.url).stdout.split() == ["dana"]
    stored = redis_client.hget(USERS_KEY, "dana").decode()
    assert stored.startswith("$argon2id$")
    assert PASSWORD.encode() not in every_redis_byte(redis_client)
    again = signpost("users", "add", "dana", stdin="another long password\n", redis_url=redis_server.url)
    assert again.returncode == 2 and "already" in again.stderr
    assert signpost("users", "remove", "dana", redis_url=redis_server.url).returncode == 0
    assert signpost("users", "list", redis_url=redis_server.url).stdout.startswith("No accounts yet")
    assert signpost("users", "remove", "dana", redis_url=redis_server.url).returncode == 1


def test_a_short_password_is_refused(redis_server, redis_client):
    short = signpost("users", "add", "dana", stdin="short\n", redis_url=redis_server.url)
    assert short.returncode == 2 and "12 characters" in short.stderr
    assert not redis_client.exists(USERS_KEY)


class Browser:
    """A requests session that fills in the CSRF token as the form would."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path, **kw):
        return self.http.get(self.base + path, allow_redirects=False, timeout=10, **kw)

    def post(self, path, data, token=True, **kw):
        if token:
            data = {**data, "csrf_token": csrf_token(self.get("/console/login").text)}
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=10, **kw)

    def login(self, name="dana", password=PASSWORD):
        return self.post("/console/login", {"username": name, "password": password})


@pytest.fixture
def accounts(live):
    line = live.app.extensions["signpost"]
    return Accounts(line.store.redis, line.config.hash_key)


def test_with_no_accounts_the_console_says_how_to_add_one(live):
    page = Browser(live.url).get("/console/")
    assert page.status_code == 200 and "signpost users add NAME" in page.text


def test_login_sets_a_strict_httponly_cookie_and_opens_the_pages(live, accounts):
    accounts.add("dana", PASSWORD)
    browser = Browser(live.url)
    assert browser.get("/console/usage").headers["Location"].endswith("/console/login?next=/console/usage")
    answer = browser.login()
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/summary")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    for path in (
        "/console/summary",
        "/console/usage",
        "/console/content",
        "/console/review",
        "/console/simulator/sms",
        "/console/simulator/call",
        "/console/health",
    ):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert "script-src" not in page.headers["Content-Security-Policy"]
        assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "<script" not in page.text and " style=" not in page.text


def test_the_cookie_is_secure_when_the_line_is_served_over_https(serve, config):
    server = serve(config.with_(public_base_url="https://line.example.org"))
    # The form's CSRF token starts the session; a browser would not send it back over http.
    cookie = Browser(server.url).get("/console/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_every_post_needs_the_csrf_token(live, accounts):
    accounts.add("dana", PASSWORD)
    browser = Browser(live.url)
    assert browser.post("/console/login", {"username": "dana", "password": PASSWORD}, token=False).status_code == 400
    browser.login()
    assert browser.post("/console/simulator/sms", {"action": "send", "message": "hi"}, token=False).status_code == 400


def test_logging_out_from_a_tab_left_open_before_another_login_still_logs_out(live, accounts):
    """The one post that needs no token: a stale one must not leave the browser logged in.
    Another site gains nothing by it: the Strict cookie is not sent with its posts."""
    accounts.add("dana", PASSWORD)
    browser = Browser(live.url)
    browser.login()
    stale = csrf_token(browser.get("/console/usage").text)  # the first tab's form
    browser.http.cookies.clear()
    browser.login()  # the second tab's login: a new session, the first tab's token stale
    out = browser.post("/console/logout", {"csrf_token": stale}, token=False)
    assert out.status_code == 302 and out.headers["Location"].endswith("logout=done")
    assert browser.get("/console/usage").status_code == 302  # logged out
    assert Browser(live.url).post("/console/logout", {}, token=False).status_code == 302  # no session: nothing to end


def test_a_removed_account_is_logged_out_at_its_next_page(live, accounts):
    accounts.add("dana", PASSWORD)
    browser = Browser(live.url)
    browser.login()
    accounts.remove("dana")
    assert browser.get("/console/usage").status_code == 302


def test_five_failures_make_the_account_and_the_address_wait_saying_neither(live, accounts):
    accounts.add("dana", PASSWORD)
    accounts.add("erin", PASSWORD)
    browser = Browser(live.url)
    messages = set()
    for n in range(ATTEMPTS):
        wrong = browser.login(password=f"wrong password {n}")
        assert wrong.status_code == 401
        messages.add(wrong.text.split('id="login-problem">')[1].split("<")[0])
    assert len(messages) == 1  # nothing says which part was wrong
    waits = set()
    unknown = browser.login(name="nobody")
    waits.add(unknown.text.split('id="login-problem">')[1].split("<")[0])
    locked = browser.login()  # the right password, but the account waits
    assert locked.status_code == 429
    waits.add(locked.text.split('id="login-problem">')[1].split("<")[0])
    other = browser.login(name="erin")  # another account, from the same address
    assert other.status_code == 429
    waits.add(other.text.split('id="login-problem">')[1].split("<")[0])
    assert len(waits) == 1  # nothing says whether the account or the address waits
    ttl = [
        live.app.extensions["signpost"].store.redis.ttl(k)
        for k in live.app.extensions["signpost"].store.redis.scan_iter("signpost:console:login-failures:*")
    ]
    assert ttl and all(14 * 60 < t <= 15 * 60 for t in ttl)


def test_while_redis_is_down_login_says_so_and_refuses(serve, config):
    server = serve(config.with_(redis_url="redis://127.0.0.1:9/0"))
    browser = Browser(server.url)
    assert browser.get("/console/").headers["Location"].endswith("/console/login")
    answer = browser.login()
    assert answer.status_code == 503 and "store cannot be reached" in answer.text
    assert browser.get("/console/usage").status_code == 302


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=100), password=st.text(max_size=200))
def test_any_login_attempt_is_refused_with_the_one_message(live, accounts, name, password):
    answer = Browser(live.url).login(name=name, password=password)
    # Five examples in, the address waits: a refusal that says until when, and no more.
    assert (answer.status_code, "The name or password is not right" in answer.text) in ((401, True), (429, False))
    assert answer.status_code == 401 or "waits until" in answer.text


@pytest.mark.parametrize(
    "path, opened",
    [
        ("/console", True),
        ("/console/", True),
        ("/console/usage", True),
        ("/sms", False),
        ("/voice/step", False),
        ("/metrics", False),
        ("/consoles", False),
    ],
)
def test_only_the_console_opens_a_session(path, opened):
    """Flask opens a session for every request; outside the console there is none to open."""
    app = Flask(__name__)
    app.secret_key = "test-key"
    with app.test_request_context(path):
        session = ConsoleSessions().open_session(app, request)
    assert (session is not None) == opened


def test_a_cookie_saved_before_logout_no_longer_opens_the_console(live, accounts):
    accounts.add("dana", PASSWORD)
    browser, other = Browser(live.url), Browser(live.url)
    browser.login()
    other.login()  # the same account, another browser
    saved = dict(browser.http.cookies)
    page = browser.get("/console/usage")
    assert page.status_code == 200
    out = browser.post("/console/logout", {"csrf_token": csrf_token(page.text)}, token=False)
    assert out.status_code == 302
    told = browser.get(out.headers["Location"].removeprefix(live.url)).text
    assert "logged out, here and on any other browser" in told
    # News, not a problem: no "Error:" in the title, no error summary.
    assert "<title>Error" not in told and 'role="status"' in told and "error-summary" not in told
    replay = Browser(live.url)
    replay.http.cookies.update(saved)
    assert replay.get("/console/usage").status_code == 302  # the copied cookie is worth nothing
    assert other.get("/console/usage").status_code == 302  # every session of the account ended
    browser.login()
    assert browser.get("/console/usage").status_code == 200  # a new login opens it again


def test_while_redis_is_away_a_cookie_that_cannot_be_checked_opens_the_health_page_alone(serve, config, tmp_path):
    """A cookie saved before a logout is not known as one while Redis is away: fail closed.
    A logout then is kept on disk, so the copied cookie stays refused once Redis is back."""
    own = EmbeddedRedis(tmp_path / "redis")
    own.start()
    try:
        live = serve(config.with_(redis_url=own.url, state_dir=str(tmp_path / "state")))
        line = live.app.extensions["signpost"]
        Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
        browser, other = Browser(live.url), Browser(live.url)
        browser.login()
        other.login()  # the same account on another browser
        saved = dict(browser.http.cookies)
        assert browser.get("/console/usage").status_code == 200
        own.stop()
        for page in ("/console/usage", "/console/content", "/console/review", "/console/simulator/call"):
            answer = browser.get(page)
            assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/health"), page
        health = browser.get("/console/health")
        assert health.status_code == 503 and "Redis" in health.text  # it says what is wrong
        # Logging out now cannot reach Redis: the logout is kept on disk, and says so.
        out = browser.post("/console/logout", {"csrf_token": csrf_token(health.text)}, token=False)
        assert out.status_code == 302 and out.headers["Location"].endswith("logout=incomplete")
        told = browser.get(out.headers["Location"])
        assert "could not take the logout, so this server keeps it" in told.text
        assert "/console/login" in other.get("/console/health").headers["Location"]  # ended here at once
        own.start()
        replay = Browser(live.url)
        replay.http.cookies.update(saved)
        assert replay.get("/console/usage").headers["Location"].endswith("/console/login?next=/console/usage")
        assert other.get("/console/usage").status_code == 302  # every session of the account ended
        browser.login()  # a new login, once Redis is back, opens it again
        assert browser.get("/console/usage").status_code == 200
        assert replay.get("/console/usage").status_code == 302  # and the old cookie stays refused
    finally:
        own.stop()


def test_a_logout_while_redis_refuses_writes_holds_after_it_recovers(serve, config, tmp_path, redis_client):
    live = serve(config.with_(state_dir=str(tmp_path)))
    line = live.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    browser = Browser(live.url)
    browser.login()
    saved = dict(browser.http.cookies)
    page = browser.get("/console/usage")
    assert page.status_code == 200
    redis_client.config_set("maxmemory", "1")
    try:
        out = browser.post("/console/logout", {"csrf_token": csrf_token(page.text)}, token=False)
    finally:
        redis_client.config_set("maxmemory", "0")
    assert out.headers["Location"].endswith("logout=incomplete")
    replay = Browser(live.url)
    replay.http.cookies.update(saved)
    assert replay.get("/console/usage").status_code == 302  # Redis still holds the old generation
    assert browser.login().status_code == 302
    assert browser.get("/console/usage").status_code == 200
    assert replay.get("/console/usage").status_code == 302


def test_a_password_change_ends_every_session_of_the_account(live, accounts):
    accounts.add("dana", PASSWORD)
    accounts.add("erin", PASSWORD)
    dana, erin = Browser(live.url), Browser(live.url)
    dana.login()
    erin.login(name="erin")
    accounts.change_password("dana", "a new and longer password")
    assert dana.get("/console/usage").status_code == 302
    assert erin.get("/console/usage").status_code == 200  # another account's session stands
    assert dana.login().status_code == 401
    assert dana.login(password="a new and longer password").status_code == 302


def test_users_password_changes_it_from_stdin(redis_server, redis_client):
    assert signpost("users", "add", "dana", stdin=PASSWORD + "\n", redis_url=redis_server.url).returncode == 0
    before = redis_client.hget(USERS_KEY, "dana")
    done = signpost("users", "password", "dana", stdin="another long password\n", redis_url=redis_server.url)
    assert done.returncode == 0 and "every session" in done.stdout
    assert redis_client.hget(USERS_KEY, "dana") != before
    assert signpost("users", "password", "nobody", stdin="another long password\n", redis_url=redis_server.url).returncode == 2


class CountingHasher(PasswordHasher):
    """argon2's own hasher, counting the passwords it checks."""

    checked = 0

    def verify(self, hash, password):
        CountingHasher.checked += 1
        return super().verify(hash, password)


def test_while_waiting_no_password_is_hashed_and_the_wait_says_until_when(live, accounts, monkeypatch):
    accounts.add("dana", PASSWORD)
    monkeypatch.setattr(accounts_module, "HASHER", CountingHasher())
    browser = Browser(live.url)
    for n in range(ATTEMPTS):
        assert browser.login(password=f"wrong password {n}").status_code == 401
    checked = CountingHasher.checked
    answers = [browser.login(), browser.login(name="erin"), browser.login(password="wrong again")]
    assert CountingHasher.checked == checked  # no hash while waiting
    assert {a.status_code for a in answers} == {429}
    shown = {a.text.split('id="login-problem">')[1].split("<")[0] for a in answers}
    assert len(shown) == 1
    [said] = shown
    assert "waits until" in said and "address" not in said and "account" not in said
    wait = int(answers[0].headers["Retry-After"])
    assert 14 * 60 < wait <= 15 * 60 + 1
    # The time said is never before the wait ends: rounded up to the minute, not down.
    hour, minute = map(int, re.search(r"until (\d\d):(\d\d)", said).groups())
    ends = dt.datetime.now(UK) + dt.timedelta(seconds=wait)  # to the second Retry-After gives
    said_at = ends.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if said_at < ends - dt.timedelta(hours=12):
        said_at += dt.timedelta(days=1)  # the wait ends after midnight
    assert dt.timedelta(seconds=-2) <= said_at - ends < dt.timedelta(seconds=60), (said, ends)


def test_a_strangers_failures_do_not_lock_the_owner_out_where_they_log_in(accounts):
    accounts.add("dana", PASSWORD)
    desk, stranger, new_laptop = "10.0.0.1", "203.0.113.66", "10.0.0.2"
    assert accounts.log_in("dana", PASSWORD, desk).ok
    for n in range(ATTEMPTS):
        assert not accounts.log_in("dana", f"wrong password {n}", stranger).ok
    assert accounts.log_in("dana", PASSWORD, stranger).waits_until  # the guesser's address waits
    assert accounts.log_in("dana", PASSWORD, desk).ok  # the owner, where they always log in
    # Anywhere the account has not logged in from, it waits: many addresses cannot guess on.
    assert accounts.log_in("dana", PASSWORD, new_laptop).waits_until


def test_a_colleagues_slips_behind_the_same_proxy_do_not_lock_out_the_office(accounts):
    accounts.add("dana", PASSWORD)
    accounts.add("erin", PASSWORD)
    office = "192.0.2.10"  # one address for everyone behind the office's proxy
    assert accounts.log_in("erin", PASSWORD, office).ok
    for n in range(ATTEMPTS):
        assert not accounts.log_in("dana", f"a slip {n}", office).ok
    assert accounts.log_in("dana", PASSWORD, office).waits_until  # dana has never logged in from here
    assert accounts.log_in("erin", PASSWORD, office).ok  # erin, at the desk she always uses
    # Guessing erin's password from the office still stops after as many tries.
    for n in range(ATTEMPTS):
        assert not accounts.log_in("erin", f"a guess {n}", office).ok
    assert accounts.log_in("erin", PASSWORD, office).waits_until


def test_a_login_clears_the_slips_made_before_it_from_that_address(accounts):
    accounts.add("dana", PASSWORD)
    desk = "10.0.0.1"
    for n in range(ATTEMPTS - 1):
        assert not accounts.log_in("dana", f"a slip {n}", desk).ok
    assert accounts.log_in("dana", PASSWORD, desk).ok
    for n in range(ATTEMPTS - 1):  # as many slips again, after logging in: no wait yet
        assert not accounts.log_in("dana", f"another slip {n}", desk).waits_until
    assert accounts.log_in("dana", PASSWORD, desk).ok


def test_guesses_that_change_name_and_address_each_time_are_not_all_hashed(accounts, monkeypatch):
    """No wait ever starts for such guesses; the line's budget of checks is what holds."""
    accounts.add("dana", PASSWORD)
    assert accounts.log_in("dana", PASSWORD, "10.0.0.1").ok
    monkeypatch.setattr(accounts, "hasher", CountingHasher())
    accounts.redis.delete(LOGIN_CHECKS)  # a window of its own (dana's first login counted)
    before = CountingHasher.checked
    answers = [accounts.log_in(f"guess{n}", "not the password", f"198.51.100.{n}") for n in range(40)]
    assert CountingHasher.checked - before == accounts_module.CHECKS
    assert sum(a.busy for a in answers) == 40 - accounts_module.CHECKS
    assert not any(a.waits_until for a in answers)
    # The account's owner, from where they log in, is checked all the same.
    assert accounts.log_in("dana", PASSWORD, "10.0.0.1").ok
    assert CountingHasher.checked - before == accounts_module.CHECKS + 1


@pytest.mark.parametrize("hops", [0, 1])
def test_behind_a_proxy_each_colleague_waits_for_their_own_failures_only_when_told_to_trust_it(serve, config, hops):
    live = serve(config.with_(proxy_hops=hops))
    line = live.app.extensions["signpost"]
    for name in ("dana", "erin"):
        Accounts(line.store.redis, line.config.hash_key).add(name, PASSWORD)
    stranger, colleague = Browser(live.url), Browser(live.url)
    # What the proxy appends; a client-written address before it is never trusted.
    stranger.http.headers["X-Forwarded-For"] = "127.0.0.1, 198.51.100.7"
    colleague.http.headers["X-Forwarded-For"] = "203.0.113.20"
    for n in range(ATTEMPTS):
        assert stranger.login(password=f"wrong password {n}").status_code == 401
    assert stranger.login().status_code == 429
    # Trusted, the proxy's header tells the colleague apart; untrusted, both are the peer.
    assert colleague.login(name="erin").status_code == (302 if hops else 429)


def test_proxy_hops_are_checked_for_sense():
    with pytest.raises(ConfigError, match="SIGNPOST_PROXY_HOPS"):
        Config.from_env({"SIGNPOST_PROXY_HOPS": "-1"}).validate()


def test_while_redis_refuses_writes_login_says_so(live, accounts, redis_client):
    accounts.add("dana", PASSWORD)
    browser = Browser(live.url)
    page = browser.get("/console/login").text  # the form, before Redis fills
    redis_client.config_set("maxmemory", "1")
    try:
        answer = browser.http.post(
            live.url + "/console/login",
            allow_redirects=False,
            timeout=10,
            data={"username": "dana", "password": PASSWORD, "csrf_token": csrf_token(page)},
        )
    finally:
        redis_client.config_set("maxmemory", "0")
    assert answer.status_code == 503 and "refuses changes" in answer.text
