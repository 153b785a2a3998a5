"""The running line: config, packs, the Redis store, shared by every request."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flows.pack import Pack, load_pack
from pathlib import Path

from service.config import Config
from service.journal import OptOutJournal
from service.sms import rendered_pages as sms_pages_as_twiml
from service.privacy import number_id
from service.signature import validator_for
from service.store import Store, connect

log = logging.getLogger("signpost")


@dataclass
class Line:
    config: Config
    pack: Pack
    store: Store

    def __post_init__(self):
        self.validator = validator_for(self.config.auth_token)
        self.journal = OptOutJournal(Path(self.config.state_dir) / "optout-journal.log")
        self._journal_checked = float("-inf")
        self._sms_twiml = {self.pack.id: sms_pages_as_twiml(self.pack)}

    def sms_twiml(self, pack: Pack) -> dict[str, str]:
        """The pack's SMS pages as TwiML, rendered at start-up (node -> TwiML)."""
        return self._sms_twiml[pack.id]

    def catch_up(self) -> None:
        """Redis answered: apply any opt-outs journalled while it was away.

        Looked for at most once a second (any worker process may have written
        it), and at once after this process has itself seen Redis fail.
        """
        now = time.monotonic()
        if now - self._journal_checked < 1.0:
            return
        self._journal_checked = now
        if self.journal.pending():
            self.journal.replay(self.store)

    def redis_failed(self) -> None:
        self._journal_checked = float("-inf")

    @classmethod
    def start(cls, config: Config) -> Line:
        """Load the pack (any problem stops start-up) and connect to Redis lazily."""
        pack = load_pack(config.pack_dir)
        client = connect(config.redis_url, config.redis_timeout)
        store = Store(client, config.session_ttl, config.dedupe_ttl)
        return cls(config=config, pack=pack, store=store)

    def pack_for(self, called: str | None) -> Pack:
        """The pack that serves the number that was called or texted."""
        return self.pack

    def person(self, raw_number: str | None) -> str:
        return number_id(raw_number, self.config.hash_key)
