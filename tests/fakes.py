"""Stand-ins for the services the flow is lent (see flows.services): they record what was asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows import Services
from flows.model import FollowUp, FollowUpOutcome


@dataclass
class Followups:
    """A follow-up service that answers ``outcome`` and remembers every text asked for."""

    outcome: FollowUpOutcome = FollowUpOutcome.QUEUED
    asked: list[FollowUp] = field(default_factory=list)

    def __call__(self, followup: FollowUp) -> FollowUpOutcome:
        self.asked.append(followup)
        return self.outcome

    def services(self) -> Services:
        return Services(request_followup=self)
