"""What the conversation needs done outside itself, handed in by the shell.

As goflow's engine is given its services (``flows/services.go``) rather than
calling out, ``step`` is given a :class:`Services`. When a caller confirms a
text, the voice flow calls ``request_followup`` and finishes the turn with what
it answered, so no caller of ``step`` acts between two halves of a turn. The
flow stays pure: the web process passes a service that queues the text, the
``signpost call`` command one that prints it, and tests a fake that records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.model import FollowUp, FollowUpOutcome
from flows.phones import DEFAULT_TEXT_REGIONS


def cannot_send(followup: FollowUp) -> FollowUpOutcome:
    """No way to send a text here (no service given): the caller is told it failed."""
    return FollowUpOutcome.UNAVAILABLE


@dataclass(frozen=True)
class Services:
    # Queue ``followup`` (or refuse it) and say how that went; never raises.
    request_followup: Callable[[FollowUp], FollowUpOutcome] = cannot_send
    # The regions whose mobiles the line may text (SIGNPOST_ALLOWED_REGIONS), so the
    # flow offers a text only to a caller the service would send it to.
    text_regions: tuple[str, ...] = DEFAULT_TEXT_REGIONS


NONE = Services()
