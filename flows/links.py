"""Whether a link is safe to send: https, on one of the pack's own domains, and never
through a shortener (nobody can tell from the text where a shortened link goes, and
its owner can change it). Used by ``signpost check`` on links.toml and on any address
typed straight into a page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Addresses that hide where a link goes: nobody can tell from the text whether it
# still reaches the owner's page, and the shortener's owner can change it.
SHORTENERS = frozenset(
    [
        "bit.ly",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "tiny.cc",
        "t.ly",
        "rb.gy",
        "s.id",
        "v.gd",
        "lnkd.in",
        "trib.al",
        "shorte.st",
        "bl.ink",
        "short.io",
        "soo.gd",
        "qr.ae",
        "x.co",
        "1url.com",
    ]
)

# A web address as a phone would make it a link: with a scheme or www., a bare
# domain followed by a path, or a shortener's name on its own.
URL = re.compile(
    r"(?:https?://|www\.)[^\s\"'<>]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s\"'<>]*"
    r"|\b(?:" + "|".join(re.escape(s) for s in sorted(SHORTENERS)) + r")\b",
    re.IGNORECASE,
)


def problem(url: str, domains: tuple[str, ...]) -> str | None:
    parts = urlsplit(url if "://" in url else "//" + url)
    host = (parts.hostname or "").lower()
    if host in SHORTENERS or any(host.endswith("." + s) for s in SHORTENERS):
        return f"{url} goes through a URL shortener ({host}): give the owner's whole address"
    if parts.scheme != "https":
        return f"{url} must start with https://"
    allowed = [d.lower().lstrip(".") for d in domains if isinstance(d, str)]
    if not any(host == d or host.endswith("." + d) for d in allowed):
        return f"{url} is not on one of the pack's link_domains ({host})"
    return None
