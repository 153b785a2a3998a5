"""SMS pages as TwiML ``<Message>``, rendered once per pack at start-up."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse

from flows.render import sms_page
from flows.sms import NO_REPLY

# The node id for "the line is busy": past the line's hourly ceiling of pages, each
# texter is told so once an hour. Not a pack's page (no menu to walk, nothing to
# count), so no pack can lack it; the renderer still puts the 999 line first, worded
# for anyone, since anyone may be texting.
LINE_BUSY = "#busy"
LINE_BUSY_TEXT = sms_page("This line is very busy and cannot answer texts just now. Please text again in an hour.", reader="anyone")


def render(text: str) -> str:
    """The reply as TwiML; an empty text means no message at all."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


# The pack's page for a static fallback: the 999 line and the essentials in at most
# 2 parts. Not the menu: on a static host a texter's choice would go back to the
# host that just failed.
FALLBACK_PAGE = "fallback"


def fallback(pack) -> str:
    """The static fallback answer for ``pack``, from its own rendered page (the main
    menu for a pack without a follow-up page: the 999 line comes first either way)."""
    return render(pack.sms_pages.get(FALLBACK_PAGE) or pack.sms_pages[pack.main_menu])


def rendered_pages(pack) -> dict[str, str]:
    """Every SMS page of a pack as TwiML: page key (node id, or node id and the helplines
    open now it adds: ``flows.pack.open_now``) -> TwiML."""
    pages = {key: render(text) for key, text in (pack.sms_variants | pack.pair_questions).items()}
    pages[NO_REPLY] = render("")
    return pages
