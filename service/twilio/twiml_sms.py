"""SMS pages as TwiML ``<Message>``, rendered once per pack at start-up."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse

NO_REPLY = ""  # the node id for "send nothing" (a number past its hourly limit)


def render(text: str) -> str:
    """The reply as TwiML; an empty text means no message at all."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def rendered_pages(pack) -> dict[str, str]:
    """Every SMS page of a pack as TwiML: node id -> TwiML."""
    pages = {node: render(text) for node, text in pack.sms_pages.items()}
    pages[NO_REPLY] = render("")
    return pages
