"""How a Twilio number must be set for the line to answer it, and how to tell.

A number's IncomingPhoneNumber resource holds the URLs Twilio calls for a text
and a call, their fallbacks and methods, and where it reports that a call ended. The line expects its own webhooks on
``PUBLIC_BASE_URL`` (POST) and fallbacks either there too or, better, on a
static host that outlives it (``SIGNPOST_FALLBACK_BASE_URL``, fetched with GET:
the files ``signpost export-fallback`` writes). An application or SIP trunk on
the number would make Twilio ignore every one of those URLs, so the line
expects none.

``signpost twilio connect`` sets what differs, ``signpost twilio doctor``
reports it; both read from here, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK_METHOD = "POST"
# A static host serves files: Twilio fetches a fallback from one with GET.
STATIC_METHOD = "GET"
# Every setting the line owns on a number, in the order they are reported.
FIELDS = (
    "sms_url",
    "sms_method",
    "sms_fallback_url",
    "sms_fallback_method",
    "voice_url",
    "voice_method",
    "voice_fallback_url",
    "voice_fallback_method",
    "status_callback",
    "status_callback_method",
    "sms_application_sid",
    "voice_application_sid",
    "trunk_sid",
)
_OVERRIDES = {
    "sms_application_sid": "a messaging application is set, so Twilio ignores the number's SMS URLs",
    "voice_application_sid": "a voice application is set, so Twilio ignores the number's voice URLs",
    "trunk_sid": "a SIP trunk is set, so Twilio ignores the number's voice URLs",
}


def fallback_file(pack_id: str, channel: str) -> str:
    """Where a pack's static fallback lives, relative to the folder or base URL."""
    return f"{pack_id}/{channel}.xml"


def expected(public_base_url: str, pack_id: str, fallback_base_url: str = "") -> dict[str, str]:
    """The settings a number answered by ``pack_id`` should have."""
    base = public_base_url.rstrip("/")
    wanted = {
        "sms_url": f"{base}/sms",
        "sms_method": WEBHOOK_METHOD,
        "voice_url": f"{base}/voice",
        "voice_method": WEBHOOK_METHOD,
        # Twilio's report that a call ended: where callers hang up, for the console.
        "status_callback": f"{base}/voice/status",
        "status_callback_method": WEBHOOK_METHOD,
        "sms_application_sid": "",
        "voice_application_sid": "",
        "trunk_sid": "",
    }
    for channel in ("sms", "voice"):
        if fallback_base_url:
            url = f"{fallback_base_url.rstrip('/')}/{fallback_file(pack_id, channel)}"
            method = STATIC_METHOD
        else:
            url, method = f"{base}/{channel}/fallback", WEBHOOK_METHOD
        wanted[f"{channel}_fallback_url"] = url
        wanted[f"{channel}_fallback_method"] = method
    return wanted


@dataclass(frozen=True)
class Difference:
    field: str
    actual: str
    expected: str

    @property
    def problem(self) -> str:
        """What is wrong, in words an operator can act on."""
        name = self.field
        if name in _OVERRIDES:
            return f"{name} is {self.actual}: {_OVERRIDES[name]}"
        if name.endswith("_method"):
            return f"{name} is {self.actual or 'unset'}, the line expects {self.expected}"
        if not self.actual:
            if "fallback" in name:
                return (
                    f"{name} is missing: when the line cannot answer, Twilio plays its own "
                    f"error instead of the 999 sentence; the line expects {self.expected}"
                )
            if name == "status_callback":
                return (
                    f"{name} is missing: calls are answered, but the console cannot count where "
                    f"callers hang up; the line expects {self.expected}"
                )
            return f"{name} is missing, the line expects {self.expected}"
        if self.actual.startswith("http://"):
            return f"{name} uses http ({self.actual}): the line expects https, {self.expected}"
        return f"{name} is {self.actual}, the line expects {self.expected}"

    @property
    def change(self) -> str:
        return f"{self.field}: {self.actual or '(none)'} -> {self.expected or '(none)'}"


def differences(actual: dict[str, str | None], wanted: dict[str, str]) -> list[Difference]:
    """Every setting of ``actual`` (a number as Twilio returns it) that is not as ``wanted``.

    Methods compare without case (Twilio answers ``POST``, a console edit may not).
    """
    found = []
    for name in FIELDS:
        have, want = actual.get(name) or "", wanted[name]
        same = have.upper() == want.upper() if name.endswith("_method") else have == want
        if not same:
            found.append(Difference(name, have, want))
    return found


def settings_of(number) -> dict[str, str | None]:
    """The line's settings from a twilio ``IncomingPhoneNumberInstance``."""
    return {name: getattr(number, name, None) for name in FIELDS}


def points_at(settings: dict[str, str | None], base_url: str) -> bool:
    """Whether a number sends its texts or calls to ``base_url`` (whatever the scheme)."""
    host = base_url.split("://", 1)[-1].rstrip("/")
    return any((settings.get(name) or "").split("://", 1)[-1].startswith(host + "/") for name in ("sms_url", "voice_url"))
