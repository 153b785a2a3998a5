"""Every Redis key the line writes, and how long each lives: one place to read them all.

A key that holds a person's state is named by a pseudonym (an HMAC of their
number, see ``pseudonyms``), never by the number; a key for something Twilio sent
(a message, a call step) by a hash of its id. No value holds a number or a body,
except the queued follow-up job, which RQ names and which expires (``JOB_TTL``), and
the follow-up's record, which holds the number sealed until it is sent or ``JOB_TTL``
has passed.

How long things live, and why:
- a texter's session: ``Config.session_ttl`` (30 minutes) after their last text;
- a text's answer, for Twilio's retries: ``Config.dedupe_ttl`` (a day); a STOP's or a
  START's for ever (a few dozen bytes, one per real opt change), so that a captured
  signed request replayed later cannot change the person's choice back;
- a call step's replay record (its time and a text's outcome, a few dozen bytes),
  for Twilio's retries: ``VOICE_REPLAY_TTL``, ten minutes: a call step is retried
  within seconds, while the caller waits, or never;
- daily counts (pages shown, and events: conversations, opt-outs, follow-up
  outcomes...): ``STATS_TTL``, a year and a month;
- recent errors, for the console's health page: ``ERROR_WINDOW`` and as long again;
- a console login's failures: ``LOGIN_WAIT`` (15 minutes) from the first, or from
  the one that reached the limit; the addresses (HMACs) an account logged in from:
  ``LOGIN_KNOWN_TTL`` (90 days) from the last login; the line's password checks: ten
  seconds;
- a console account and its session generation: until ``signpost users remove``;
- the flood limit's replies and the line's (the times of those of the last hour, a
  sliding window), and that a person was told the line is busy: ``REPLY_WINDOW``, an
  hour from the last (the notice: from when it was sent);
- an opt-out: for ever, until the person opts back in; it holds when it was made;
- when a person opted back in: ``OPTIN_TTL``, long enough that an opt-out journalled
  before it, in an outage, and replayed late cannot undo it;
- the health check's write: ``HEALTH_TTL``;
- a follow-up's record and its message's delivery status: ``RECORD_TTL``, a week;
- a queued follow-up job (holding the sealed number): ``JOB_TTL``, a day at most;
- the messages whose pictures were queued for deletion, a sender's and the line's: the
  last ``MEDIA_WINDOW`` (a sliding hour);
- the line's put-throughs: ``PUT_THROUGH_LINE_WINDOW`` (an hour);
- where a call is (the menu or page it last heard), for counting where callers hang
  up: until Twilio reports the call ended, or ``CALL_LIMIT`` (four hours, the longest
  a call lasts) if that report never comes.
"""

from __future__ import annotations

import datetime as dt

PREFIX = "signpost:"

MINUTE, HOUR, DAY = 60, 60 * 60, 24 * 60 * 60
STATS_TTL = 400 * DAY  # a year of daily counts, and a month to spare
REPLY_WINDOW = HOUR  # the flood limit and the line's ceiling count replies in the last hour
JOB_TTL = DAY  # a queued follow-up (and the number in it) never outlives a day
RECORD_TTL = 7 * DAY  # long enough to answer "was it sent?", keyed by hash only
FAILURE_TTL = MINUTE  # only a killed worker leaves a job in RQ's failed registry
FOLLOWUP_NUMBER_WINDOW = DAY  # the per-number follow-up cap counts the last 24 hours
FOLLOWUP_LINE_WINDOW = HOUR  # the line-wide follow-up cap counts the last hour
VOICE_REPLAY_TTL = 10 * MINUTE  # a call step's retry record: Twilio retries while the caller waits
CALL_LIMIT = 4 * HOUR  # Twilio ends any call at 4 hours
FOLLOWUP_CALL_WINDOW = CALL_LIMIT  # a call's follow-ups are counted for as long as it can last
OPTIN_TTL = 30 * DAY  # a journal is replayed within seconds of Redis coming back, or days at worst
HEALTH_TTL = MINUTE
ERROR_WINDOW = HOUR  # the console's health page shows the last hour's errors
LOGIN_WAIT = 15 * MINUTE  # how long a console account or address waits after too many failures
LOGIN_KNOWN_TTL = 90 * DAY  # an address an account logged in from is known for this long after

# The RQ queue follow-up texts wait in (RQ names its own keys under ``rq:``).
FOLLOWUP_QUEUE = "followups"
# The RQ queue picture deletions wait in: the worker takes from it only when no
# follow-up text is waiting (see followups.media).
MEDIA_QUEUE = "media-deletions"
MEDIA_WINDOW = HOUR  # picture deletions are counted over the last hour
PUT_THROUGH_LINE_WINDOW = HOUR  # the line's put-throughs: the last hour


def session(channel: str, pack: str, person: str) -> str:
    """Where a texter is in the menus (a call's state travels in its step URL instead)."""
    return f"{PREFIX}session:{channel}:{pack}:{person}"


def delivery(channel: str, delivery_id: str | None) -> str:
    """The answer given to one webhook delivery, so a retry gets the same one."""
    return f"{PREFIX}delivery:{channel}:{delivery_id or 'none'}"


# The reply windows are sorted sets of the times of the last hour's replies. Named apart
# from the plain counters they replace ("replies:"), which a running Redis may still hold.


def replies(channel: str, person: str) -> str:
    """Replies sent to this person in the last hour (the flood limit)."""
    return f"{PREFIX}replied:{channel}:{person}"


def replies_abroad(channel: str, pack: str) -> str:
    """Replies a pack's line sent in the last hour to every texter outside the regions the
    line texts: one count for them all, so that many senders abroad cannot each run up a bill."""
    return f"{PREFIX}replied:{channel}:abroad:{pack}"


# Pages the whole line sent in the last hour, by text and WhatsApp, at home and abroad: the
# ceiling no number of senders can pass together.
LINE_REPLIES = f"{PREFIX}replied:line"


def busy_notice(person: str) -> str:
    """Present for an hour once a person has been told the line is busy: told once only."""
    return f"{PREFIX}busy-notice:{person}"


def optout(person: str) -> str:
    """Present while the person has opted out (STOP), whichever channel or pack they used."""
    return f"{PREFIX}optout:{person}"


def optin(person: str) -> str:
    """When the person last opted back in (START): a journalled change older than this is stale."""
    return f"{PREFIX}optin:{person}"


def call_place(call: str) -> str:
    """The menu or page a call last heard (its id only), until the call ends."""
    return f"{PREFIX}call:{call}"


# /healthz writes here, to know the node takes writes (a replica answers PING too).
HEALTH = f"{PREFIX}healthz"

STATS_PATTERN = f"{PREFIX}stats:*"


def stats(pack: str, day: dt.date) -> str:
    """One pack's counts for one day: a hash of ``channel:item`` -> count."""
    return f"{PREFIX}stats:{pack}:{day.isoformat()}"


def stats_day(key: str) -> tuple[str, dt.date] | None:
    """``stats(pack, day)`` read back: (pack, day), or None for any other key."""
    pack, _, day_text = key[len(f"{PREFIX}stats:") :].rpartition(":")
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return None
    return (pack, day) if key == stats(pack, day) else None


def events(pack: str, day: dt.date) -> str:
    """One pack's events for one day: a hash of ``channel:event`` -> count (``sms:opt_out``,
    ``voice:conversation``, ``followup:refused:21211``; see ``store``)."""
    return f"{PREFIX}events:{pack}:{day.isoformat()}"


def errors(kind: str) -> str:
    """When recent errors of one kind (``webhook``, ``delivery``) happened: a sorted set by time."""
    return f"{PREFIX}errors:{kind}"


# The console's accounts: a hash of name -> Argon2id hash of the password. Names are
# chosen by operators and hold no texter's data.
CONSOLE_USERS = f"{PREFIX}console:users"
# Each account's session generation: a random token its login cookies carry. A new one
# (logout, password change) or none (account removed) ends every session it had.
CONSOLE_SESSIONS = f"{PREFIX}console:sessions"


def login_failures(kind: str, who: str) -> str:
    """Failed console logins of one account (``account``: a hash of its name), from one
    address (``address``: an HMAC of it, never the address itself), or of one account
    from one address (``account-from``: both)."""
    return f"{PREFIX}console:login-failures:{kind}:{who}"


def login_known(who: str) -> str:
    """The addresses (HMACs) an account (a hash of its name) has logged in from lately."""
    return f"{PREFIX}console:login-known:{who}"


# Password checks the whole line made for logins from addresses not known to the account,
# in the current ten seconds.
LOGIN_CHECKS = f"{PREFIX}console:login-checks"


PUT_THROUGH_LINE = f"{PREFIX}put-through-line"


def media_window(person: str) -> str:
    """Messages whose pictures were queued for deletion for one sender in the last hour
    (a sorted set; named apart from the plain counter it replaces)."""
    return f"{PREFIX}media-queued:{person}"


# Messages whose pictures were queued for deletion for the whole line this hour.
MEDIA_WINDOW_LINE = f"{PREFIX}media-queued-line"


def followup_record(followup: str) -> str:
    """What happened to one follow-up, named by the hash of its job id."""
    return f"{PREFIX}followup:{followup}"


def followup_window(person: str) -> str:
    """The follow-ups one number got in the last day (a sorted set of follow-up ids by time)."""
    return f"{PREFIX}followup-window:{person}"


FOLLOWUP_LINE_WINDOW_KEY = f"{PREFIX}followup-window:all"


# The follow-ups recorded as queued and not yet sent (a sorted set of follow-up ids by
# the time they were asked for): where the sweep looks for one whose job a failover lost.
FOLLOWUPS_WAITING = f"{PREFIX}followups-waiting"
# Held by the worker sweeping, so that several workers sweep once between them.
FOLLOWUP_SWEEP_LOCK = f"{PREFIX}followups-sweep"


def followup_call_window(call: str) -> str:
    """The follow-ups one call asked for (named by the call's pseudonym)."""
    return f"{PREFIX}followup-call:{call}"


def followup_message(message: str) -> str:
    """A sent follow-up's delivery status, named by a hash of its MessageSid."""
    return f"{PREFIX}followup-message:{message}"
