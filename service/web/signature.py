"""Only Twilio may drive the line: every webhook carries a valid X-Twilio-Signature.

twilio's own ``RequestValidator`` does the HMAC; this module only decides which URL
was signed. Behind a proxy or load balancer the URL Flask sees is not the one
Twilio called, so with ``PUBLIC_BASE_URL`` set we rebuild it from that origin and
the path and query as received.
"""

from __future__ import annotations

import hmac

from flask import Request, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict


class WebhookForm(ImmutableMultiDict):
    """The form as twilio's validator reads it: a repeated field is signed once per value.

    The validator asks for ``getall`` (aiohttp's name) before ``getlist`` (werkzeug's),
    paying for an exception on every field of every request; naming it saves that.
    """

    getall = ImmutableMultiDict.getlist


class WebhookRequest(Request):
    parameter_storage_class = WebhookForm


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


def require_twilio_signature() -> None:
    """A ``before_request`` hook for the webhook blueprints: 403 unless signed."""
    line = current_app.extensions["signpost"]
    validator = current_app.extensions[VALIDATOR]
    if validator is None:
        return
    req = request._get_current_object()  # once, not through the proxy for every attribute
    signature = req.headers.get("X-Twilio-Signature", "")
    url = signed_url(req, line.config.public_base_url)
    if not signature or not signed_by_twilio(validator, url, req.form, signature):
        current_app.logger.warning("rejected %s: missing or invalid Twilio signature", req.path)
        abort(403)
