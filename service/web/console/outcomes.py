"""What happened to the follow-up texts callers asked for, in words a manager can act on.

The counters name an outcome and, for Twilio's refusals and failed deliveries, its
error code (``followup:undelivered:30003``). Here each becomes a plain reason, with a
link to Twilio's own page for the code, and the outcomes are laid out as a funnel:
asked for, sent, delivered, and beside each step the texts lost at it.
"""

from __future__ import annotations

from dataclasses import dataclass

TWILIO_ERRORS = "https://www.twilio.com/docs/api/errors/{code}"

# The codes a follow-up text most often ends with, in plain words. Any other code is
# still shown, by number, with the link to Twilio's page for it.
CODES = {
    "21211": "the number is not a valid phone number",
    "21408": "texts to that country are not enabled on the account",
    "21610": "the person had replied STOP to the line's number",
    "21612": "Twilio cannot send texts to that number",
    "21614": "the number is not a mobile",
    "30001": "Twilio's queue was full",
    "30002": "the Twilio account is suspended",
    "30003": "the phone was switched off or out of signal",
    "30004": "the phone's network or its owner blocks texts like this",
    "30005": "the number does not exist, or no longer does",
    "30006": "the number is a landline or its network cannot take texts",
    "30007": "the phone's network filtered it as unwanted",
    "30008": "the phone's network gave no reason",
    "30034": "the sending number is not registered with the networks",
}

# Refused by the line itself, before anything went to Twilio.
NOT_SENT = {
    "not_allowed": "not a UK mobile, or the number was withheld",
    "opted_out": "the person had asked for no more texts",
    "capped": "more texts than the line allows for one call, caller or number",
    "busy": "the line had sent its most texts for the hour",
}
# After it went to Twilio: refused or failed, it was never sent; undelivered, it was
# sent and did not arrive.
LOST_STEP = {"refused": "Not sent", "failed": "Not sent", "gave_up": "Not sent", "undelivered": "Not delivered", "uncertain": "Not known"}
LOST = {
    "refused": "Twilio refused it",
    "undelivered": "Twilio could not deliver it",
    "failed": "Twilio could not send it",
    "gave_up": "Twilio could not be reached, after several tries",
    "uncertain": "Twilio's answer was unclear: it may have been sent",
}


@dataclass(frozen=True)
class Loss:
    """Texts lost at one step, for one reason."""

    reason: str
    count: int
    code: str = ""
    step: str = "Not sent"  # where it was lost: "Not sent", "Not delivered" or "Not known"

    @property
    def link(self) -> str:
        return TWILIO_ERRORS.format(code=self.code) if self.code else ""


@dataclass(frozen=True)
class Funnel:
    asked: int  # every follow-up a caller asked for
    sent: int  # handed to Twilio
    delivered: int  # the phone's network said it arrived
    not_sent: tuple[Loss, ...]
    lost: tuple[Loss, ...]

    @property
    def failed(self) -> int:
        return sum(loss.count for loss in self.not_sent + self.lost)

    @property
    def awaiting(self) -> int:
        """Asked for and not yet delivered nor lost: in the queue, or awaiting the network's word."""
        return max(0, self.asked - self.delivered - self.failed)


def reason(outcome: str, code: str) -> str:
    """The words for an outcome and its code, without the code's number."""
    words = NOT_SENT.get(outcome) or LOST.get(outcome) or outcome.replace("_", " ")
    if code:
        return f"{words}: {CODES.get(code, 'see Twilio for what this error means')}"
    return words


STEPS = {"queued": "Asked for", "sent": "Handed to Twilio to send", "delivered": "Delivered"}


def outcome_words(item: str) -> str:
    """One counted outcome (``undelivered:30003``) in words, its Twilio code kept by number."""
    outcome, _, code = item.partition(":")
    if outcome in STEPS:
        return STEPS[outcome]
    return f"{LOST_STEP.get(outcome, 'Not sent')}: {reason(outcome, code)}" + (f" (Twilio error {code})" if code else "")


def funnel(counts: dict[str, int]) -> Funnel:
    """``counts``: follow-up outcome fields (``queued``, ``undelivered:30003``, ...) -> texts."""

    def total(outcome: str) -> int:
        return sum(v for k, v in counts.items() if k.partition(":")[0] == outcome)

    not_sent = tuple(Loss(NOT_SENT[o], total(o)) for o in NOT_SENT if total(o))
    lost = tuple(
        sorted(
            (
                Loss(reason(o, code), v, code, LOST_STEP[o])
                for item, v in counts.items()
                if v
                for o, _, code in [item.partition(":")]
                if o in LOST
            ),
            key=lambda loss: (-loss.count, loss.reason),
        )
    )
    queued = total("queued")
    return Funnel(
        asked=queued + sum(loss.count for loss in not_sent), sent=total("sent"), delivered=total("delivered"), not_sent=not_sent, lost=lost
    )
