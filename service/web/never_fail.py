"""A webhook never answers Twilio with a 5xx: Twilio would send or play its own error
message to the person, or retry. Each webhook's blueprint says here what a failure gets
instead (the main menu, a fresh call, a quiet 200); a 4xx raised on purpose (403 for a
request that is not Twilio's, 413 for a form too large) passes through unchanged."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException


def answer_failures(bp: Blueprint, answer: Callable[[Exception], Response]) -> None:
    """Register ``answer`` for any error in ``bp`` that is not a deliberate 4xx."""

    @bp.errorhandler(Exception)
    def never_fail(exc: Exception) -> Response | HTTPException:
        if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
            return exc
        return answer(exc)
