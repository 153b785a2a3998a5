"""Only Twilio may drive the line: every webhook carries a valid X-Twilio-Signature.

twilio's own ``RequestValidator`` does the HMAC; this module only decides which URL
was signed. Behind a proxy or load balancer the URL Flask sees is not the one
Twilio called, so with ``PUBLIC_BASE_URL`` set we rebuild it from that origin and
the path and query as received.
"""

from __future__ import annotations

from flask import Request, abort, current_app, request
from twilio.request_validator import RequestValidator


def signed_url(req: Request, public_base_url: str) -> str:
    # Built from the raw parts: werkzeug's ``request.url`` re-encodes the whole URL
    # as an IRI on every call, which costs more than the signature check itself.
    origin = public_base_url or f"{req.scheme}://{req.host}"
    query = req.query_string.decode("latin-1")
    return origin + req.path + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    """A ``before_request`` hook for the webhook blueprints: 403 unless signed."""
    line = current_app.extensions["signpost"]
    if not line.config.checks_signatures:
        return
    signature = request.headers.get("X-Twilio-Signature", "")
    url = signed_url(request, line.config.public_base_url)
    # The form as a multi-dict: a repeated field is signed once per value.
    if not signature or not line.validator.validate(url, request.form, signature):
        current_app.logger.warning("rejected %s: missing or invalid Twilio signature", request.path)
        abort(403)


def validator_for(auth_token: str) -> RequestValidator | None:
    return RequestValidator(auth_token) if auth_token else None
