"""The running line: config, packs, the Redis store, shared by every request."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from flows.pack import Pack, load_pack
from flows.phones import e164, sender
from service.config import Config, ConfigError
from service.state.journal import OptOutJournal
from service.state.pseudonyms import address_id, number_id
from service.state import connection
from service.state.local_caps import LocalCaps
from service.state.store import EvictionPolicyError, Store, check_eviction_policy

log = logging.getLogger("signpost")


# Seconds before a replay Redis refused (while answering) is tried again.
JOURNAL_RETRY = 30.0
# How long a STOP or START waits for another process's replay of the journal (a few
# milliseconds for any journal an outage leaves) before it is applied all the same.
JOURNAL_WAIT = 1.0


class SendsInFlight(redis.RedisError):
    """Replies the local caps sent are being counted in Redis by another request, or were
    sent since: until they are counted, texts are answered by the local caps."""


@dataclass
class Line:
    config: Config
    pack: Pack  # the default: for any number SIGNPOST_PACKS does not name
    store: Store
    # The Twilio number texted or called (E.164) -> the pack that answers it.
    packs: dict[str, Pack] = field(default_factory=dict)

    def __post_init__(self):
        self.journal = OptOutJournal(Path(self.config.state_dir) / "optout-journal.log")
        self._journal_checked = float("-inf")
        self._journal_refused = float("-inf")  # when Redis last answered but refused a replay
        # The caps this machine's web processes keep while Redis cannot (see local_caps):
        # its share of each, since every machine keeps its own and a number's texts may
        # reach any of them.
        config = self.config
        machines = config.web_machines
        self.local_caps = LocalCaps(
            Path(config.state_dir) / "local-caps.sqlite3",
            max(1, config.sms_replies_per_hour // machines),
            config.sms_replies_line_per_hour // machines,
            machines,
        )

    @property
    def every_pack(self) -> list[Pack]:
        """Each pack the line serves, once, the default first."""
        return list({p.id: p for p in [self.pack, *self.packs.values()]}.values())

    def catch_up(self, opt_change: bool = False) -> None:
        """Redis answered: apply any opt-outs journalled while it was away.

        Looked for at most once a second (any worker process may have written
        it), and at once after this process has itself seen Redis fail. Before a STOP or
        START (``opt_change``) always, and after any replay another process is making: a
        change applied before an older one is replayed would win over the person's own
        later choice (a captured START sent again the moment Redis is back).
        """
        now = time.monotonic()
        if opt_change:
            self.journal.wait_for_replays(JOURNAL_WAIT)
        elif now - self._journal_checked < 1.0 or now - self._journal_refused < JOURNAL_RETRY:
            return
        self._journal_checked = now
        self.journal.adopt_orphans()
        if self.journal.pending() and self.journal.replay(self.store) is None:
            # Redis answers but will not take them (full, or no replica confirms): each try
            # reads and writes the whole journal back, so not again for a while.
            self._journal_refused = now

    def count_local_sends(self) -> None:
        """Count in Redis's windows what this machine sent by its own caps, before this
        text is answered: answered by Redis without them, the hour after an outage would
        start again from nought. Any process may do it, whichever finds Redis back first.

        The oldest one goes first, alone: while Redis refuses writes or is away, a flood
        of texts then costs a round trip each, as the answer would, not the whole backlog
        each. If Redis will not take it, the error goes to the caller, and the text is
        answered by the local caps, as in the outage; so it is while another process (or
        another request in this one) is counting them and has not finished
        (``SendsInFlight``): answered by Redis meanwhile, the text would be counted
        without them."""
        if not self.local_caps.has_unrecorded():
            return
        for limit in (1, None):
            taken = self.local_caps.take_unrecorded(limit)
            if not taken:
                break
            try:
                self.store.count_sent([(f"local:{rowid}", key, at) for rowid, key, at in taken])
            except redis.RedisError:
                self.local_caps.give_back(taken)
                raise
            self.local_caps.counted(taken)
        if self.local_caps.has_unrecorded():
            raise SendsInFlight("replies sent by the local caps are being counted in Redis by another request")

    def redis_failed(self) -> None:
        self._journal_checked = float("-inf")

    @classmethod
    def start(cls, config: Config) -> Line:
        """Load every pack (any problem stops start-up) and connect to Redis lazily."""
        pack, packs = load_packs(config)
        # Fails fast: short timeouts and no retries, as the webhook path needs.
        client = connection.client(config, timeout=config.redis_timeout)
        connection.check_version(client, log)
        try:
            check_eviction_policy(client, log)
        except EvictionPolicyError as exc:
            raise ConfigError(str(exc)) from None
        # Behind Sentinel there are replicas by design: an opt-out or a follow-up is kept
        # only once one of them has it (see Store.confirm).
        store = Store(client, config.session_ttl, config.dedupe_ttl, replicas_to_confirm=1 if config.uses_sentinel else 0)
        return cls(config=config, pack=pack, store=store, packs=packs)

    def pack_for(self, called: str | None) -> Pack:
        """The pack that serves the number that was called or texted."""
        if not self.packs or not called:
            return self.pack
        # Twilio sends E.164 already; other forms are normalised first.
        found = self.packs.get(called.strip())
        if found is None and (number := e164(called)):
            found = self.packs.get(number)
        return found or self.pack

    def own_number(self, called: str | None) -> str:
        """``called`` in E.164 when it is a line with a pack of its own, else ""."""
        if not self.packs or not called:
            return ""
        number = called.strip() if called.strip() in self.packs else e164(called)
        return number if number in self.packs else ""

    def person(self, raw_number: str | None) -> str:
        return number_id(raw_number, self.config.hash_key)

    def texter(self, raw_sender: str | None) -> tuple[str, str]:
        """The channel a message came by (``sms`` or ``whatsapp``) and the pseudonym of
        who sent it on that channel: one number texting and on WhatsApp is two people
        here, each with a session, an opt-out and counts of their own."""
        who = sender(raw_sender)
        if who.channel == "sms":
            return "sms", self.person(who.address)
        return who.channel, address_id(who.channel, who.address, self.config.hash_key)


def load_packs(config: Config) -> tuple[Pack, dict[str, Pack]]:
    """The default pack and the pack for each number in SIGNPOST_PACKS, each folder
    loaded once. Any problem raises: the line never serves half its packs."""
    loaded: dict[Path, Pack] = {}

    def load(folder: str) -> Pack:
        where = Path(folder).resolve()
        if where not in loaded:
            loaded[where] = load_pack(where)
        return loaded[where]

    pack = load(config.pack_dir)
    packs = {number: load(folder) for number, folder in config.packs.items()}
    # Sessions and counts are kept per pack id: two folders with one id would
    # share them, so one partnership could see the other's.
    folders: dict[str, Path] = {}
    for where, each in loaded.items():
        if folders.setdefault(each.id, where) != where:
            raise ConfigError(f"packs in {folders[each.id]} and {where} both have id {each.id!r}")
    return pack, packs
