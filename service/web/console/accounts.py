"""Who may look at the console: accounts, their passwords, and the login lockout.

Passwords are kept only as Argon2id hashes (argon2-cffi's ``PasswordHasher``, its
recommended parameters, which it can raise later: ``check_needs_rehash``). The
accounts are one Redis hash, so every web process sees an account added or
removed at once.

Guessing is slowed at two places: after ``ATTEMPTS`` failed logins an account
waits ``LOGIN_WAIT``, and so does the address they came from (so one address
cannot try many accounts, nor many addresses one account). Counted in one script
so racing guesses cannot slip past the limit. The address is kept as an HMAC only.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.state import keys
from service.state.keys import LOGIN_WAIT

ATTEMPTS = 5
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 12

# KEYS: account failures, address failures; ARGV: wait, attempts.
# Each failure counts for both; the wait runs from the first failure, and starts
# again from the one that reaches the limit.
_FAILED = """
for i = 1, 2 do
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


class Accounts:
    def __init__(self, client: redis.Redis, hash_key: bytes):
        self.redis = client
        self.hash_key = hash_key
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
        return bool(self.redis.hdel(keys.CONSOLE_USERS, name.strip().lower()))

    def names(self) -> list[str]:
        return sorted(n.decode() for n in self.redis.hkeys(keys.CONSOLE_USERS))

    def exists(self, name: str) -> bool:
        return bool(self.redis.hexists(keys.CONSOLE_USERS, name))

    def any(self) -> bool:
        return bool(self.redis.hlen(keys.CONSOLE_USERS))

    def _keys(self, name: str, address: str) -> list[str]:
        where = hmac.new(self.hash_key, b"console-address:" + address.encode(), hashlib.sha256).hexdigest()[:32]
        who = hashlib.sha256(name.encode()).hexdigest()[:32]
        return [keys.login_failures("account", who), keys.login_failures("address", where)]

    def log_in(self, name: str, password: str, address: str) -> Login:
        """Check a login; a refusal says nothing of why (wrong name, password, or waiting)."""
        name = name.strip().lower()[:64]
        failures = self._keys(name, address)
        account_fails, address_fails, stored = (
            self.redis.pipeline(transaction=False).get(failures[0]).get(failures[1]).hget(keys.CONSOLE_USERS, name).execute())
        waiting = any(int(n or 0) >= ATTEMPTS for n in (account_fails, address_fails))
        try:
            self.hasher.verify(stored.decode() if stored else decoy(), password)
            good = stored is not None
        except (VerificationError, InvalidHashError):
            good = False
        if good and not waiting:
            self.redis.delete(failures[0])
            if self.hasher.check_needs_rehash(stored.decode()):
                self.redis.hset(keys.CONSOLE_USERS, name, self.hasher.hash(password))
            return Login(True, name)
        if not waiting:
            self.redis.eval(_FAILED, 2, *failures, LOGIN_WAIT, ATTEMPTS)
        return Login(False)
