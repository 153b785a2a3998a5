"""Every Redis client the line makes comes from here: the web, the worker, RQ, the CLI
and the console, so each finds the primary the same way and survives a failover alike.

Two ways to find the primary:

- ``REDIS_SENTINELS`` and ``REDIS_SENTINEL_MASTER``: ask Redis Sentinel (redis-py's
  ``Sentinel``) which node is the primary, again after every failover.
  ``REDIS_URL`` still gives the database, user, password and TLS.
- otherwise ``REDIS_URL``, which may be a managed Redis's primary endpoint (a DNS name
  the provider moves to the new primary after a failover).

Either way a node that answers ``READONLY`` has been demoted to a replica (by Sentinel,
by the provider, or by hand): the connection is dropped and the error raised as a
``ConnectionError``, so the caller takes its Redis-down path (the webhooks answer
without state and journal an opt-out) and the next command connects afresh, to the new
primary. Without that, a pooled connection to the demoted node would get READONLY for
ever while PING, which a replica answers, kept saying all is well.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.connection import Connection, SSLConnection, parse_url
from redis.exceptions import ReadOnlyError
from redis.retry import Retry
from redis.sentinel import Sentinel

from service.config import Config, ConfigError


class DemotedPrimary(redis.ConnectionError):
    """The node we were talking to is a replica now: reconnect to find the primary."""


class FailoverAwareConnection(Connection):
    """A connection that drops itself, and its pool's idle connections, on READONLY."""

    def __init__(self, *args, on_demoted=None, **kwargs):
        self._on_demoted = on_demoted
        super().__init__(*args, **kwargs)

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except ReadOnlyError as exc:
            self.disconnect()
            if self._on_demoted is not None:
                self._on_demoted()
            raise DemotedPrimary(f"{self.host}:{self.port} is a replica now: {exc}") from exc


class FailoverAwareSSLConnection(FailoverAwareConnection, SSLConnection):
    pass


class FailoverAwarePool(redis.ConnectionPool):
    """A pool whose connections report a demoted node, so the idle ones are dropped too
    (each would otherwise meet READONLY once, failing one more webhook each)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_kwargs["on_demoted"] = self._demoted

    def _demoted(self) -> None:
        self.disconnect(inuse_connections=False)


def client(config: Config, *, timeout: float | None, retries: int = 0, health_check_interval: int = 0) -> redis.Redis:
    """A client for the line's Redis, whichever way it is found.

    ``timeout``: seconds to connect and for each reply (None: wait, as RQ's blocking
    pop needs; RQ then sets its own). ``retries``: 0 on the webhook path, which must fail
    fast and fall back rather than wait.
    """
    options = dict(
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), retries),
        retry_on_timeout=False,
        health_check_interval=health_check_interval,
    )
    if config.uses_sentinel:
        return _through_sentinel(config, options)
    url_options = parse_url(config.redis_url)
    if config.redis_password and not url_options.get("password"):
        url_options["password"] = config.redis_password
    if url_options.get("connection_class") is None or url_options["connection_class"] is SSLConnection:
        # TCP: reconnect on READONLY. (A unix socket is this machine's one Redis: no failover.)
        tls = url_options.get("connection_class") is SSLConnection
        url_options["connection_class"] = FailoverAwareSSLConnection if tls else FailoverAwareConnection
        pool: redis.ConnectionPool = FailoverAwarePool(**url_options, **options)
    else:
        pool = redis.ConnectionPool(**url_options, **options)  # type: ignore[arg-type]
    return redis.Redis(connection_pool=pool)


def _through_sentinel(config: Config, options: dict) -> redis.Redis:
    """The primary as the Sentinels name it. redis-py's Sentinel pool asks them again
    whenever a connection is made, and turns READONLY into a reconnect itself."""
    url_options = parse_url(config.redis_url)
    node = {key: url_options[key] for key in ("db", "username", "password") if url_options.get(key) is not None}
    if config.redis_password and not node.get("password"):
        node["password"] = config.redis_password
    if url_options.get("connection_class") is SSLConnection:
        node["ssl"] = True
    timeout = options["socket_timeout"]
    sentinel_options = {
        "socket_timeout": timeout if timeout is not None else 5.0,
        "socket_connect_timeout": timeout if timeout is not None else 5.0,
    }
    if config.redis_sentinel_password:
        sentinel_options["password"] = config.redis_sentinel_password
    sentinels = Sentinel(list(config.redis_sentinels), sentinel_kwargs=sentinel_options, **node)
    return sentinels.master_for(config.redis_sentinel_master, redis_class=redis.Redis, **options)


# Every Lua script the line runs starts with a shebang, so that Redis refuses the
# whole script while it is over ``maxmemory`` (noeviction), as it refuses a plain
# write. A script without one is refused only at its first write that may add memory:
# one that begins with DEL or ZREMRANGEBYSCORE (which do not) would go on to write
# past the limit, and anyone able to text the line could grow Redis without bound.
# Shebangs need Redis 7 (``check_version``).
SHEBANG = "#!lua\n"
MIN_REDIS = (7, 0)


def script(client: redis.Redis, body: str):
    """``client.register_script`` for a script that writes (see ``SHEBANG``)."""
    return client.register_script(SHEBANG + body)


def check_version(client: redis.Redis, log) -> None:
    """Refuse a Redis older than 7, whose scripts would all fail (a warning when it
    cannot be asked: it is down, and the webhooks answer without it meanwhile)."""
    try:
        version = client.info("server").get("redis_version", "")
    except redis.RedisError as exc:
        log.warning("could not read Redis's version (%s): the line needs Redis %d.%d or newer", type(exc).__name__, *MIN_REDIS)
        return
    numbers = tuple(int(part) for part in str(version).split(".")[:2] if part.isdigit())
    if numbers and numbers < MIN_REDIS:
        raise ConfigError(f"Redis {version} is too old: the line needs Redis {MIN_REDIS[0]}.{MIN_REDIS[1]} or newer")
