"""Only Twilio may drive the line: every webhook carries a valid X-Twilio-Signature.

twilio's own ``RequestValidator`` does the HMAC; this module only decides which URL
was signed. Behind a proxy or load balancer the URL Flask sees is not the one
Twilio called, so with ``PUBLIC_BASE_URL`` set we rebuild it from that origin and
the path and query as received.

A signature is not enough on its own. Twilio signs the URL followed by every field's
name and value joined with no separator, so a captured request can be reshaped
under its signature: a value can swallow the field after it (``MessageSid`` =
``SM...NumMedia0``), or a field can be swallowed whole into the one before it. So,
before any HMAC is computed, a request is refused (403) when it could not be
Twilio's (``could_be_twilios``):

- a field whose name ends ``Sid`` is not two capitals and 32 hex digits, which is
  what every Twilio SID is: a SID that swallowed anything is too long;
- the SID that names the delivery (``MessageSid`` for texts, ``CallSid`` for calls)
  is missing or empty: swallowed into the field before it, a retry would no longer be known
  as one, and a captured START could undo a later STOP;
- ``AccountSid`` is not this account's, when ``TWILIO_ACCOUNT_SID`` is set;
- a field name is not Twilio's shape (a letter, then letters and digits). Names are
  not checked against a list of Twilio's, which grows without notice and would make
  the line fall silent; the shape is enough to stop a name being made of what was
  a neighbour's value, since numbers carry ``+``, bodies and speech spaces and
  punctuation, and the SIDs, the one alphanumeric kind of value, are checked above;
- a field name begins with the name of a field the line reads (``READ_FIELDS``) and
  is not one of Twilio's (``TWILIO_FIELDS_LIKE_READ``): the value swallowed into the
  name. ``Body=STOP`` signs exactly as ``BodySTOP=``, and ``Digits=1`` as
  ``Digits1=``; unrefused, the STOP would be answered with the menu and the key
  with silence. Only these few prefixes are listed, so a field Twilio adds later is
  still let through unless it begins with one of them;
- ``/sms`` has no ``Body``: Twilio always sends one (empty with a picture alone), so
  a form without it had its body moved into a name.

The form itself is capped at ``MAX_FORM_FIELDS`` fields (413) before it is parsed:
Twilio sends a few dozen, and every field costs the signature check a sort and a
concatenation.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from urllib.parse import parse_qsl

from flask import Request, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

# Twilio's webhooks carry 20 to 40 fields (more with media and add-ons).
MAX_FORM_FIELDS = 100
# The fields the line acts on, and Twilio's fields whose names begin with one of them
# (the caller's and the line's place, in voice and messaging webhooks).
READ_FIELDS = ("Body", "Digits", "SpeechResult", "From", "To", "OptOutType")
TWILIO_FIELDS_LIKE_READ = frozenset(
    [
        *READ_FIELDS,
        "FromCity",
        "FromState",
        "FromZip",
        "FromCountry",
        "ToCity",
        "ToState",
        "ToZip",
        "ToCountry",
    ]
)
# The fields each webhook always carries, which a reshaped form may have moved into a name
# (or, for From, into the value before it: "Body=STOPFrom+44...").
NEEDED_FIELDS = {"/sms": ("Body", "From")}
TWILIO_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
TWILIO_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
# The SID that names each webhook's delivery: it decides what is a retry.
DELIVERY_SID = {
    "/sms": "MessageSid",
    "/sms/fallback": "MessageSid",
    "/sms/status": "MessageSid",
    "/voice": "CallSid",
    "/voice/step": "CallSid",
    "/voice/fallback": "CallSid",
    "/voice/status": "CallSid",
}


class WebhookForm(ImmutableMultiDict):
    """The form as twilio's validator reads it: a repeated field is signed once per value.

    The validator asks for ``getall`` (aiohttp's name) before ``getlist`` (werkzeug's),
    paying for an exception on every field of every request; naming it saves that.
    """

    getall = ImmutableMultiDict.getlist


class WebhookRequest(Request):
    parameter_storage_class = WebhookForm

    def _load_form_data(self) -> None:
        """A webhook's urlencoded form: fields counted before parsing, then parsed as
        werkzeug (3.1) does, in one step; a property test holds the two to the same
        result, so a werkzeug upgrade that parts them is caught.

        werkzeug's ``max_form_parts`` (the app's ``MAX_FORM_PARTS``) covers multipart
        forms only, so the body (already capped at ``MAX_CONTENT_LENGTH``) is counted
        here. werkzeug's own urlencoded route builds a parser and a second stream over
        the body to reach the same ``parse_qsl`` call, which cost every webhook more
        than the signature's HMAC; the result is the same: a body that is not UTF-8 is
        an empty form, as werkzeug's silent parser gives. Anything else goes to werkzeug.
        """
        if "form" in self.__dict__ or self.mimetype != "application/x-www-form-urlencoded":
            return super()._load_form_data()
        body = self.get_data(cache=True)
        limit = self.max_form_parts
        if limit is not None and body.count(b"&") >= limit:
            raise RequestEntityTooLarge(f"more than {limit} form fields")
        try:
            fields = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        except ValueError:
            fields = []
        self.__dict__["form"] = self.parameter_storage_class(fields)
        self.__dict__["files"] = self.parameter_storage_class()


def signed_url(req: Request, public_base_url: str) -> str:
    # Built from the raw parts: werkzeug's ``request.url`` re-encodes the whole URL
    # as an IRI on every call, which costs more than the signature check itself.
    origin = public_base_url or f"{req.scheme}://{req.host}"
    query = req.query_string.decode("latin-1")
    return origin + req.path + (f"?{query}" if query else "")


def signed_by_twilio(validator: RequestValidator, url: str, form, signature: str) -> bool:
    """One HMAC for a genuine request; the validator's full check only when it fails.

    ``validate`` always computes two signatures, the URL with and without its default
    port, because Twilio has signed both forms. The URL exactly as built here is one
    of those two, so a match on it alone is a match ``validate`` would accept.
    """
    # compare_digest refuses non-ASCII text; such a header is no signature of Twilio's.
    if signature.isascii() and hmac.compare_digest(validator.compute_signature(url, form), signature):
        return True
    return validator.validate(url, form, signature)


VALIDATOR = "signpost.validator"


def install(app, auth_token: str) -> None:
    """Give the app twilio's validator for ``auth_token`` (none: signatures are not checked)."""
    app.extensions[VALIDATOR] = RequestValidator(auth_token) if auth_token else None


def could_be_twilios(form, path: str, account_sid: str) -> bool:
    """False for a form Twilio would never send (see the module docstring)."""
    for name, value in form.items(multi=True):
        if not TWILIO_FIELD_NAME.fullmatch(name):
            return False
        if name not in TWILIO_FIELDS_LIKE_READ and name.startswith(READ_FIELDS):
            return False
        # Empty is let pass (a SID Twilio has none for); it swallowed nothing.
        if name.endswith("Sid") and value and not TWILIO_SID.fullmatch(value):
            return False
    if (needed := DELIVERY_SID.get(path.rstrip("/"))) and not form.get(needed):
        return False
    if any(field not in form for field in NEEDED_FIELDS.get(path.rstrip("/"), ())):
        return False
    return not account_sid or form.get("AccountSid") == account_sid


def from_loopback(req: Request) -> bool:
    try:
        peer = ipaddress.ip_address((req.remote_addr or "").split("%")[0])
    except ValueError:
        return False  # a unix socket or no address: nothing says it is this machine
    mapped = getattr(peer, "ipv4_mapped", None)
    return (mapped or peer).is_loopback


def require_twilio_signature() -> None:
    """A ``before_request`` hook for the webhook blueprints: 403 unless signed.

    Without a token nothing can be checked, so only this machine may call: the
    gunicorn settings bind loopback, and this holds under any other server too.
    """
    line = current_app.extensions["signpost"]
    validator = current_app.extensions[VALIDATOR]
    # Once, not through the proxy for every attribute (a LocalProxy method the stubs lack).
    req = request._get_current_object()  # type: ignore[attr-defined]
    if validator is None:
        if not from_loopback(req):
            current_app.logger.warning("rejected %s: no TWILIO_AUTH_TOKEN, and not from loopback", req.path)
            abort(403)
        return
    if not could_be_twilios(req.form, req.path, line.config.account_sid):
        current_app.logger.warning("rejected %s: not a form Twilio sends", req.path)
        abort(403)
    signature = req.headers.get("X-Twilio-Signature", "")
    url = signed_url(req, line.config.public_base_url)
    if not signature or not signed_by_twilio(validator, url, req.form, signature):
        current_app.logger.warning("rejected %s: missing or invalid Twilio signature", req.path)
        abort(403)
