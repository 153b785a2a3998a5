"""What every reply starts with, and how a page of SMS is put together.

The 999 instruction is structural: it lives here, not in any content pack, and
every SMS page and every call is built through this module, so no edit to the
content can drop it.
"""

from __future__ import annotations

from flows import gsm

EMERGENCY_SMS = "If a child is in immediate danger, call 999."
EMERGENCY_VOICE = "If a child is in immediate danger, hang up and call 999."


def sms_page(body: str, footer: str = "") -> str:
    """The text of one SMS reply: the 999 line, the body, then the footer."""
    lines = [EMERGENCY_SMS, body.strip()]
    if footer:
        lines.append(footer.strip())
    return gsm.downgrade("\n".join(line for line in lines if line))
