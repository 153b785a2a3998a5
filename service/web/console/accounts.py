"""Who may look at the console: accounts, their passwords, and the login lockout.

Passwords are kept only as Argon2id hashes (argon2-cffi's ``PasswordHasher``, its
recommended parameters, which it can raise later: ``check_needs_rehash``). The
accounts are one Redis hash, so every web process sees an account added or
removed at once.

A login is a signed cookie naming the account and the account's session generation
(``keys.CONSOLE_SESSIONS``), a random token kept in Redis. Logging out, changing the
password and removing the account each give the account a new generation (or none),
so every cookie issued before it, on any browser, stops opening the console at its
next page: a cookie copied before a logout is worth nothing after it. A logout that
Redis cannot record (away, or refusing writes) is kept on local disk instead
(``service.state.ended_sessions``), so it holds after Redis is back as well.

Guessing is slowed at three places. After ``ATTEMPTS`` failed logins an address
waits ``LOGIN_WAIT`` (one address cannot try many accounts), and so does the account
(many addresses cannot try one account), but both only for logins from addresses the
account has not logged in from before. From an address it knows, an account waits only
after that many failures for it from there: a stranger's five wrong guesses cannot lock
its owner out from their usual desk, and a colleague's five slips behind the same
office proxy cannot lock out everyone else in the office. Counted in one script so
racing guesses cannot slip past the limit. Addresses are kept as HMACs only. While a login waits it is refused before its
password is looked at: an Argon2 check is tens of milliseconds of the web process's
CPU, and a guess that cannot succeed must not cost it (nor the webhooks that share
the process). A guesser who changes name and address at every try never makes
anything wait, so logins from addresses an account does not know share a line-wide
budget of ``CHECKS`` password checks in ``CHECKS_WINDOW`` seconds; past it they are
asked to try again in a moment, unhashed.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from gevent import get_hub, monkey

from service.state import connection, keys
from service.state.ended_sessions import EndedSessions
from service.state.keys import LOGIN_KNOWN_TTL, LOGIN_WAIT

ATTEMPTS = 5
# Ten checks in ten seconds: a few people logging in at once, and under a flood about a
# tenth of one core of Argon2 for the whole line.
CHECKS, CHECKS_WINDOW = 10, 10
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 12

# KEYS: account failures, address failures, the account's failures from the address;
# ARGV: wait, attempts. Each failure counts for all three; the wait runs from the first
# failure, and starts again from the one that reaches the limit.
_FAILED = """
for i = 1, 3 do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 or n >= tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
"""


HASHER = PasswordHasher()


@functools.cache
def decoy() -> str:
    """Checked against when the name is unknown, so that a wrong name takes as long as a
    wrong password and timing does not tell which was wrong. Made once per process."""
    return HASHER.hash("not a password anyone has")


class AccountError(ValueError):
    """A name or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Login:
    ok: bool
    name: str = ""
    # While logging in waits (too many failures from the address or for the account,
    # never saying which): when it may be tried again, as a Unix time.
    waits_until: float | None = None
    # The line's password checks for unknown addresses are used up for now.
    busy: bool = False


class Accounts:
    def __init__(self, client: redis.Redis, hash_key: bytes, ended: EndedSessions | None = None):
        self.redis = client
        self.hash_key = hash_key
        # Logouts Redis could not record, kept on this machine's disk (see ended_sessions).
        self.ended = ended
        self.hasher = HASHER

    @staticmethod
    def valid_name(name: str) -> str:
        name = name.strip().lower()
        if not NAME.fullmatch(name):
            raise AccountError("a name is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        return name

    def add(self, name: str, password: str) -> str:
        name = self.valid_name(name)
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
        if not self.redis.hsetnx(keys.CONSOLE_USERS, name, self.hasher.hash(password)):
            raise AccountError(f"there is already an account called {name}")
        return name

    def remove(self, name: str) -> bool:
        """Remove the account; every session of it ends with it."""
        name = name.strip().lower()
        pipe = self.redis.pipeline()
        pipe.hdel(keys.CONSOLE_USERS, name)
        pipe.hdel(keys.CONSOLE_SESSIONS, name)
        removed, _ = pipe.execute()
        return bool(removed)

    def change_password(self, name: str, password: str) -> None:
        """A new password, and every session opened with the old one ends."""
        name = name.strip().lower()
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
        if not self.exists(name):
            raise AccountError(f"there is no account called {name}")
        pipe = self.redis.pipeline()
        pipe.hset(keys.CONSOLE_USERS, name, self.hasher.hash(password))
        pipe.hset(keys.CONSOLE_SESSIONS, name, secrets.token_hex(16))
        pipe.execute()

    def session_generation(self, name: str) -> str:
        """The account's current session generation, made on its first login."""
        pipe = self.redis.pipeline()
        pipe.hsetnx(keys.CONSOLE_SESSIONS, name, secrets.token_hex(16))
        pipe.hget(keys.CONSOLE_SESSIONS, name)
        _, generation = pipe.execute()
        if self.ended is not None and self.ended.ended(name, generation.decode()):
            # Logged out while Redis could not record it: this login starts a new generation.
            generation = secrets.token_hex(16).encode()
            self.redis.hset(keys.CONSOLE_SESSIONS, name, generation)
        return generation.decode()

    def session_valid(self, name: str, generation: str) -> bool:
        """Whether a cookie of ``generation`` still opens the account: the account
        exists and has not logged out, changed password or been removed since."""
        if self.ended is not None and self.ended.ended(name, generation):
            return False  # known here without Redis, which may not have been told
        pipe = self.redis.pipeline(transaction=False)
        pipe.hexists(keys.CONSOLE_USERS, name)
        pipe.hget(keys.CONSOLE_SESSIONS, name)
        exists, current = pipe.execute()
        return bool(exists) and current is not None and hmac.compare_digest(current, generation.encode())

    def end_sessions(self, name: str) -> None:
        """Log the account out everywhere: every cookie issued so far stops working."""
        if self.exists(name):
            self.redis.hset(keys.CONSOLE_SESSIONS, name, secrets.token_hex(16))

    def names(self) -> list[str]:
        return sorted(n.decode() for n in self.redis.hkeys(keys.CONSOLE_USERS))  # type: ignore[union-attr]

    def exists(self, name: str) -> bool:
        return bool(self.redis.hexists(keys.CONSOLE_USERS, name))

    def any(self) -> bool:
        return bool(self.redis.hlen(keys.CONSOLE_USERS))

    def _keys(self, name: str, address: str) -> tuple[list[str], str, str]:
        """The account's, the address's and the account-from-the-address's failure
        counts, the account's known addresses, and this address as they are kept (an HMAC)."""
        where = hmac.new(self.hash_key, b"console-address:" + address.encode(), hashlib.sha256).hexdigest()[:32]
        who = hashlib.sha256(name.encode()).hexdigest()[:32]
        failures = [
            keys.login_failures("account", who),
            keys.login_failures("address", where),
            keys.login_failures("account-from", f"{who}:{where}"),
        ]
        return failures, keys.login_known(who), where

    def _read(self, name: str, address: str) -> tuple[Login | None, bool]:
        """A refusal saying until when, if this login waits (else None), and whether the
        account knows the address. One round trip, and no password hashing."""
        failures, known_key, where = self._keys(name.strip().lower()[:64], address)
        pipe = self.redis.pipeline(transaction=False)
        for key in failures:
            pipe.get(key)
            pipe.pttl(key)
        pipe.sismember(known_key, where)
        *fails, known = pipe.execute()
        of_account, of_address, of_account_here = zip(fails[::2], fails[1::2])
        # From an address the account knows, only its own failures from there count.
        counted = [of_account_here] if known else [of_account, of_address]
        waits = [ttl for count, ttl in counted if int(count or 0) >= ATTEMPTS]
        if not waits:
            return None, bool(known)
        return Login(False, waits_until=time.time() + max(max(waits), 0) / 1000), bool(known)

    def waiting(self, name: str, address: str) -> Login | None:
        """A refusal saying until when, if the account or the address waits; else None."""
        return self._read(name, address)[0]

    def _within_budget(self) -> bool:
        """Count a password check against the line's budget for unknown addresses."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(keys.LOGIN_CHECKS)
        pipe.expire(keys.LOGIN_CHECKS, CHECKS_WINDOW, nx=True)
        checks, _ = pipe.execute()
        return checks <= CHECKS

    def log_in(self, name: str, password: str, address: str) -> Login:
        """Check a login; a refusal says nothing of why (wrong name or password), and a
        wait says until when, not whether the account or the address is waiting."""
        refused, known = self._read(name, address)
        if refused is not None:
            return refused
        if not known and not self._within_budget():
            return Login(False, busy=True)
        name = name.strip().lower()[:64]
        failures, known_key, where = self._keys(name, address)
        stored: bytes | None = self.redis.hget(keys.CONSOLE_USERS, name)  # type: ignore[assignment]
        good = off_the_event_loop(_matches, self.hasher, stored.decode() if stored else decoy(), password)
        good = good and stored is not None
        if good and stored is not None:
            # The account's failures stand: they were counted for addresses it does not
            # know, and this one is known from now on. This address's own start again: it
            # has just shown it knows the password, and its next slip must not be its last.
            pipe = self.redis.pipeline()
            pipe.delete(failures[1], failures[2])
            pipe.sadd(known_key, where)
            pipe.expire(known_key, LOGIN_KNOWN_TTL)
            pipe.execute()
            if self.hasher.check_needs_rehash(stored.decode()):
                self.redis.hset(keys.CONSOLE_USERS, name, self.hasher.hash(password))
            return Login(True, name)
        connection.script(self.redis, _FAILED)(keys=failures, args=[LOGIN_WAIT, ATTEMPTS])
        return Login(False)


def _matches(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    """Whether ``password`` is the one ``hashed`` was made from. A wrong one is an answer,
    not an error: raised on gevent's thread pool it would be logged as a traceback."""
    try:
        return hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def off_the_event_loop(check, *args):
    """Run ``check`` on a thread of gevent's pool when the process serves with gevent
    (the Procfile's web line), else here. An Argon2 check is tens of milliseconds in C;
    on the event loop it would hold every other request of the process, the webhooks
    among them, while argon2-cffi releases the GIL so a thread lets them go on."""
    if not monkey.is_module_patched("threading"):
        return check(*args)
    return get_hub().threadpool.apply(check, args)
