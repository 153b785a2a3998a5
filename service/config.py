"""All configuration, read from the environment in one place (see the README's table)."""

from __future__ import annotations

from collections.abc import Mapping

import ipaddress
import os
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import phonenumbers

from flows.phones import DEFAULT_TEXT_REGIONS, e164
from messages import DEFAULT_PACK_DIR

LOOPBACK_HOSTS = frozenset(["127.0.0.1", "localhost", "::1", "[::1]"])
# Used only when no secret is configured and signatures are not checked (local
# trials): hashes stay stable across restarts so sessions survive a reload.
DEVELOPMENT_SECRET = "signpost-development-only-secret"
# A secret key this long or longer, with a token set: an HMAC of a UK mobile number
# under a short or public key is reversed by hashing every number (about a second).
MIN_SECRET_LENGTH = 32


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConfigError(ValueError):
    """Configuration that would make the line unsafe to run."""


def packs_by_number(setting: str) -> dict[str, str]:
    """``+441234567890=/path/to/pack;+442000000000=/other`` -> {E.164: folder}.

    Numbers are normalised to E.164 (a UK number may be written 01234 567890),
    because that is how Twilio sends ``To``.
    """
    packs: dict[str, str] = {}
    for entry in setting.replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        number, sep, folder = entry.partition("=")
        normalised = e164(number.strip())
        if not sep or not folder.strip() or not normalised:
            raise ConfigError(f"SIGNPOST_PACKS: {entry.strip()!r} is not NUMBER=PACK_FOLDER")
        if normalised in packs:
            raise ConfigError(f"SIGNPOST_PACKS: {number.strip()} is given two packs")
        packs[normalised] = folder.strip()
    return packs


def sentinel_addresses(setting: str) -> tuple[tuple[str, int], ...]:
    """``host:port,host:port`` -> ((host, port), ...); ``[::1]:26379`` for IPv6."""
    addresses = []
    for entry in setting.split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"REDIS_SENTINELS: {entry!r} is not HOST:PORT")
        addresses.append((host, int(port)))
    return tuple(addresses)


@dataclass(frozen=True)
class Config:
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis Sentinel, when set: the Sentinels to ask and the name they monitor. The
    # primary's address then comes from them; REDIS_URL still gives the database,
    # the user, the password and TLS (rediss://).
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_sentinel_master: str = ""
    # The data nodes' password when REDIS_URL carries none, and the Sentinels' own.
    redis_password: str = ""
    redis_sentinel_password: str = ""
    auth_token: str = ""
    account_sid: str = ""
    from_number: str = ""
    messaging_service_sid: str = ""
    public_base_url: str = ""
    secret_key: str = ""
    # Where `signpost export-fallback`'s files are served, off this host (see the README).
    fallback_base_url: str = ""
    api_base_url: str = "https://api.twilio.com"
    pack_dir: str = str(DEFAULT_PACK_DIR)
    # How long a texter's place in the menu is kept after their last message.
    session_ttl: int = 30 * 60
    # How long a webhook's answer is kept to answer Twilio's retries identically.
    dedupe_ttl: int = 24 * 60 * 60
    # Redis must answer fast or not at all: the webhook falls back rather than wait.
    redis_timeout: float = 0.25
    # Bodies larger than this get 413 before anything reads them.
    max_request_bytes: int = 64 * 1024
    # Whose mobiles may get a follow-up text: the one setting for flows.phones' rule.
    allowed_regions: tuple[str, ...] = DEFAULT_TEXT_REGIONS
    # Each SMS reply costs money: past this many in an hour a number gets no reply.
    sms_replies_per_hour: int = 30
    # Replies in an hour, for each pack's line, to texters outside allowed_regions all
    # together: a text abroad costs more, and numbers abroad are how SMS pumping is done.
    sms_replies_abroad_per_hour: int = 20
    # Replies with a page, by text and WhatsApp together, that the whole line sends in an
    # hour: many numbers, each within its own allowance, cannot run up more than this.
    # Past it a texter is told once that the line is busy (with the 999 line).
    sms_replies_line_per_hour: int = 500
    # Web processes (gunicorn's WEB_CONCURRENCY): while Redis refuses writes each process
    # keeps the line's ceiling alone, so each takes this share of it.
    web_processes: int = 2
    # Machines running the web line behind one number, each with WEB_CONCURRENCY
    # processes: the line's ceiling is shared among all of their processes.
    web_machines: int = 1
    # Proxies in front of the app that add X-Forwarded-For (an https proxy: 1). Only the
    # console's login reads it, so each colleague behind the proxy waits, or not, for
    # their own failed logins; 0 (the default) trusts no such header.
    proxy_hops: int = 0
    # The longest a client may take to send a request's body (408 after it); its
    # headers are held to the same by gunicorn (see gunicorn_conf).
    request_read_seconds: float = 5.0
    # Put-throughs (a paid call to a helpline), besides flows.voice's 2 a call. None per
    # calling number: a spoofed caller ID would read it (state/put_throughs.py).
    put_throughs_per_hour: int = 30
    # Messages whose pictures one sender may have deleted in an hour (a job a message).
    media_deletions_per_sender_per_hour: int = 10
    # ... and the whole line: many senders of one picture each cannot fill Redis either.
    media_deletions_per_hour: int = 300
    # Local disk for what must survive a Redis outage (the opt-out journal).
    state_dir: str = ".signpost"
    # The text-to-speech voice for calls; empty: the pack's choice.
    voice: str = ""
    # Follow-up texts: caps against SMS pumping fraud, and how delivery retries.
    followups_per_number_per_day: int = 3
    followups_per_call: int = 2
    followups_per_hour: int = 100
    followup_retry_seconds: int = 10 * 60
    followup_send_timeout: float = 10.0
    # How often a worker looks for follow-ups recorded as queued whose job is gone (a
    # failover can lose the last writes before it), and queues them again.
    followup_sweep_seconds: int = 60
    # A pack per line: the Twilio number texted or called (E.164) -> the pack's
    # folder. Any other number gets pack_dir. Set by SIGNPOST_PACKS.
    packs: dict[str, str] = field(default_factory=dict)
    # Lets a scraper read /metrics from anywhere (as a bearer token); without it,
    # loopback only.
    metrics_token: str = ""

    @property
    def checks_signatures(self) -> bool:
        return bool(self.auth_token)

    @property
    def hash_key(self) -> bytes:
        return (self.secret_key or DEVELOPMENT_SECRET).encode()

    @property
    def uses_sentinel(self) -> bool:
        return bool(self.redis_sentinels)

    def validate(self) -> Config:
        """Refuse settings that make no sense, naming the setting: called wherever a
        Config is made for running (web, worker, CLI), so a typo stops start-up rather
        than, say, a region that matches no number silently stopping every follow-up."""
        if self.public_base_url and not self.public_base_url.startswith(("https://", "http://")):
            raise ConfigError("PUBLIC_BASE_URL must be an origin such as https://line.example.org")
        self._validate_redis()
        self._validate_limits()
        if self.auth_token:
            self._validate_for_twilio()
        return self

    def _validate_redis(self) -> None:
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"REDIS_URL must be a redis://, rediss:// or unix:// URL, not {self.redis_url!r}")
        if self.redis_sentinels and not self.redis_sentinel_master:
            raise ConfigError(
                "REDIS_SENTINEL_MASTER must be set with REDIS_SENTINELS: the name the Sentinels monitor (sentinel monitor NAME ...)"
            )
        if self.redis_sentinel_master and not self.redis_sentinels:
            raise ConfigError("REDIS_SENTINELS must be set with REDIS_SENTINEL_MASTER: host:port,host:port,...")
        if self.redis_sentinels and self.redis_url.startswith("unix://"):
            raise ConfigError("REDIS_URL cannot be a unix:// socket with REDIS_SENTINELS: Sentinel gives the primary as a host and port")

    def _validate_limits(self) -> None:
        unknown = sorted(set(self.allowed_regions) - phonenumbers.SUPPORTED_REGIONS)
        if unknown:
            hint = " (the United Kingdom is GB)" if "UK" in unknown else ""
            raise ConfigError(
                f"SIGNPOST_ALLOWED_REGIONS: {', '.join(unknown)} is not a region code{hint}; use ISO 3166 codes such as GB, IE"
            )
        positive = {
            "SIGNPOST_SMS_REPLIES_PER_HOUR": self.sms_replies_per_hour,
            "SIGNPOST_SMS_REPLIES_ABROAD_PER_HOUR": self.sms_replies_abroad_per_hour,
            "SIGNPOST_SMS_REPLIES_LINE_PER_HOUR": self.sms_replies_line_per_hour,
            "WEB_CONCURRENCY": self.web_processes,
            "SIGNPOST_WEB_MACHINES": self.web_machines,
            "SIGNPOST_REQUEST_READ_SECONDS": self.request_read_seconds,
            "SIGNPOST_PUT_THROUGHS_PER_HOUR": self.put_throughs_per_hour,
            "SIGNPOST_MEDIA_DELETIONS_PER_SENDER_PER_HOUR": self.media_deletions_per_sender_per_hour,
            "SIGNPOST_MEDIA_DELETIONS_PER_HOUR": self.media_deletions_per_hour,
            "SIGNPOST_FOLLOWUPS_PER_NUMBER_PER_DAY": self.followups_per_number_per_day,
            "SIGNPOST_FOLLOWUPS_PER_CALL": self.followups_per_call,
            "SIGNPOST_FOLLOWUPS_PER_HOUR": self.followups_per_hour,
            "SIGNPOST_FOLLOWUP_SEND_TIMEOUT": self.followup_send_timeout,
            "SIGNPOST_FOLLOWUP_SWEEP_SECONDS": self.followup_sweep_seconds,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be more than 0, not {value}")
        if not 0 <= self.proxy_hops <= 5:
            raise ConfigError(f"SIGNPOST_PROXY_HOPS must be 0 to 5 (the proxies in front of the line), not {self.proxy_hops}")
        if self.followup_retry_seconds < 0:
            raise ConfigError(f"SIGNPOST_FOLLOWUP_RETRY_SECONDS must be 0 (no retries) or more, not {self.followup_retry_seconds}")

    def _validate_for_twilio(self) -> None:
        """With a token the line faces the internet: refuse what would make it unsafe there."""
        key = self.secret_key
        if not key:
            raise ConfigError(
                "SIGNPOST_SECRET_KEY must be set when TWILIO_AUTH_TOKEN is set: it keys the "
                "hashing of phone numbers, and the development default is public."
            )
        if len(key.strip()) < MIN_SECRET_LENGTH or key == DEVELOPMENT_SECRET or key == self.auth_token:
            raise ConfigError(
                f"SIGNPOST_SECRET_KEY must be a secret of its own, at least {MIN_SECRET_LENGTH} "
                "characters, not the development default and not the auth token: a pseudonym "
                "under a short or known key is turned back into the phone number by hashing "
                "every number. Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        for name, url in (("PUBLIC_BASE_URL", self.public_base_url), ("TWILIO_API_BASE_URL", self.api_base_url)):
            if url.startswith("http://") and not is_loopback_url(url):
                raise ConfigError(
                    f"{name} must be https (plain http only to this machine): over http the "
                    "signed URLs, and for the API the auth token, cross the network in clear."
                )

    def with_(self, **changes) -> Config:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env: Mapping[str, str] = os.environ if environ is None else environ
        defaults = cls()
        regions = tuple(
            r.strip().upper() for r in env.get("SIGNPOST_ALLOWED_REGIONS", ",".join(DEFAULT_TEXT_REGIONS)).split(",") if r.strip()
        )

        def number(name: str, default, kind=int):
            raw = env.get(name)
            try:
                return kind(raw) if raw else default
            except ValueError:
                raise ConfigError(f"{name} must be a number, not {raw!r}") from None

        config = cls(
            redis_url=env.get("REDIS_URL") or defaults.redis_url,
            redis_sentinels=sentinel_addresses(env.get("REDIS_SENTINELS", "")),
            redis_sentinel_master=env.get("REDIS_SENTINEL_MASTER", "").strip(),
            redis_password=env.get("REDIS_PASSWORD", ""),
            redis_sentinel_password=env.get("REDIS_SENTINEL_PASSWORD", ""),
            auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            from_number=env.get("TWILIO_FROM_NUMBER", ""),
            messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            secret_key=env.get("SIGNPOST_SECRET_KEY", ""),
            fallback_base_url=env.get("SIGNPOST_FALLBACK_BASE_URL", ""),
            api_base_url=env.get("TWILIO_API_BASE_URL") or defaults.api_base_url,
            pack_dir=env.get("SIGNPOST_PACK_DIR") or defaults.pack_dir,
            allowed_regions=regions or defaults.allowed_regions,
            sms_replies_per_hour=number("SIGNPOST_SMS_REPLIES_PER_HOUR", defaults.sms_replies_per_hour),
            sms_replies_abroad_per_hour=number("SIGNPOST_SMS_REPLIES_ABROAD_PER_HOUR", defaults.sms_replies_abroad_per_hour),
            sms_replies_line_per_hour=number("SIGNPOST_SMS_REPLIES_LINE_PER_HOUR", defaults.sms_replies_line_per_hour),
            web_processes=number("WEB_CONCURRENCY", defaults.web_processes),
            web_machines=number("SIGNPOST_WEB_MACHINES", defaults.web_machines),
            proxy_hops=number("SIGNPOST_PROXY_HOPS", defaults.proxy_hops),
            request_read_seconds=number("SIGNPOST_REQUEST_READ_SECONDS", defaults.request_read_seconds, float),
            put_throughs_per_hour=number("SIGNPOST_PUT_THROUGHS_PER_HOUR", defaults.put_throughs_per_hour),
            media_deletions_per_sender_per_hour=number(
                "SIGNPOST_MEDIA_DELETIONS_PER_SENDER_PER_HOUR", defaults.media_deletions_per_sender_per_hour
            ),
            media_deletions_per_hour=number("SIGNPOST_MEDIA_DELETIONS_PER_HOUR", defaults.media_deletions_per_hour),
            state_dir=env.get("SIGNPOST_STATE_DIR") or defaults.state_dir,
            voice=env.get("SIGNPOST_VOICE", ""),
            followups_per_number_per_day=number("SIGNPOST_FOLLOWUPS_PER_NUMBER_PER_DAY", defaults.followups_per_number_per_day),
            followups_per_call=number("SIGNPOST_FOLLOWUPS_PER_CALL", defaults.followups_per_call),
            followups_per_hour=number("SIGNPOST_FOLLOWUPS_PER_HOUR", defaults.followups_per_hour),
            followup_retry_seconds=number("SIGNPOST_FOLLOWUP_RETRY_SECONDS", defaults.followup_retry_seconds),
            followup_send_timeout=number("SIGNPOST_FOLLOWUP_SEND_TIMEOUT", defaults.followup_send_timeout, float),
            followup_sweep_seconds=number("SIGNPOST_FOLLOWUP_SWEEP_SECONDS", defaults.followup_sweep_seconds),
            packs=packs_by_number(env.get("SIGNPOST_PACKS", "")),
            metrics_token=env.get("SIGNPOST_METRICS_TOKEN", ""),
        ).validate()
        if config.auth_token and not config.public_base_url:
            # Behind a PaaS router or any TLS-terminating proxy the URL Flask sees
            # is not the one Twilio signed: every webhook, fallbacks included,
            # would get 403 and the line would fall silent.
            raise ConfigError(
                "PUBLIC_BASE_URL must be set when TWILIO_AUTH_TOKEN is set: the https origin Twilio calls, e.g. https://line.example.org"
            )
        return config
