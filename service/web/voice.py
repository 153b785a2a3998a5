"""``POST /voice`` and its steps: Twilio's voice webhook, answered with TwiML.

Each response names the next step in its action URL (``/voice/step?n=4&s=...``):
a key, words, silence (the ``<Redirect>`` after a ``<Gather>``) and the end of a
transfer (``<Dial action>``) all come back there. The URL carries the call's
state too (``s``: where the caller is, the menus behind them, silences), so a
step needs no read from Redis: Twilio signs the whole URL, so the state cannot be
forged, and a call keeps its place even while Redis is away. A mobile number the
caller keyed travels in it only encrypted, since Twilio keeps the URLs it calls.

Each step is ONE Redis round trip: the delivery is claimed (``CallSid`` + step
number, ``SET NX``) and the visit counted, in one script. What is claimed is
not the answer but what a retry needs to rebuild it (``replay_record``: the step's
time and a text's outcome, kept ten minutes): a retried webhook loses the claim,
and the same URL and form, at the first delivery's time and with its outcome,
give identical TwiML; it acts once. The one step that does more is sending a
text: it looks for an earlier claim first, since queueing the text cannot wait
for the claim, and the queue is Redis too.

Whatever happens - Redis gone, a bug - Twilio gets a 200 that says the 999
instruction (in full and first when a bug leaves the call's state untrusted), never
a 5xx that would play Twilio's error message instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace

import redis
from cryptography.fernet import Fernet
from flask import Blueprint, Response, current_app, request

from flows import Event, EventKind, Services, Session, step
from flows.model import FollowUp, FollowUpOutcome
from flows.voice import DIAL_CAPPED, DIAL_OUTCOMES, SILENCES_BEFORE_GOODBYE
from flows.voice_page import TRANSFERS_PER_CALL
from service.followups import asking as followups
from service.twilio import call_state
from service.state import put_throughs
from service.state.pseudonyms import call_id, short, token_id
from service.twilio.events import event_from
from service.web.never_fail import answer_failures
from service.web.clock import CLOCK, now  # noqa: F401 (CLOCK: tests set it here)
from service.web.metrics import REDIS_ERRORS, note_error
from service.web.signature import require_twilio_signature
from service.state.store import CONVERSATION, PUT_THROUGH, PUT_THROUGH_ENDED, TEXT_ASKED, Turn
from service.twilio.twiml_voice import Speech, render_step
from service.twilio.twiml_voice import fallback as voice_fallback

log = logging.getLogger("signpost.voice")
bp = Blueprint("voice", __name__)
bp.before_request(require_twilio_signature)

FALLBACK = "signpost.voice.fallback"
SPEECH = "signpost.voice.speech"
# The least time a text asked for takes to answer, whatever became of it: well above what
# queueing one takes here (about 4 ms; tests/load/followup_timing.py prints both).
ASK_TAKES = 0.025


@bp.record_once
def prerender(state) -> None:
    """How each pack sounds, and its fallback answer, made at start-up: the fallback
    URL must need nothing, and no request should rebuild what never changes."""
    line = state.app.extensions["signpost"]
    speech = {pack.id: Speech.of(pack, line.config.voice) for pack in line.every_pack}
    state.app.extensions[SPEECH] = speech
    state.app.extensions[FALLBACK] = {pack.id: voice_fallback(pack, speech[pack.id]) for pack in line.every_pack}


def xml(twiml: str) -> Response:
    return Response(twiml, mimetype="application/xml")


def step_number() -> int:
    """The step this request answers; 0 is the call's start, so a step is at least 1."""
    try:
        return max(1, min(int(request.args.get("n", "1")), 10_000))
    except ValueError:
        return 1


# Twilio may be configured with a trailing slash; the line answers both the same.
@bp.post("/voice")
@bp.post("/voice/")
def start() -> Response:
    return answer(0, start=True)


@bp.post("/voice/step")
def next_step() -> Response:
    return answer(step_number(), start=False)


def answer(n: int, start: bool) -> Response:
    line = current_app.extensions["signpost"]
    form = request.form
    pack = line.pack_for(form.get("To"))
    speech = current_app.extensions[SPEECH][pack.id]
    fernet = call_state.call_sealer(line.config.hash_key)
    event = event_from(form, now(), start)
    call_sid = form.get("CallSid", "")
    call = call_id(call_sid, line.config.hash_key)
    before = (
        Session(channel="voice") if start else call_state.decode(request.args.get(call_state.PARAM, ""), fernet, line.config.session_ttl)
    )
    turn = Turn("voice", call, token_id("voice", call_sid, str(n)) if call_sid else None, pack.id)
    asked: list[FollowUpOutcome] = []

    def ask(followup: FollowUp) -> FollowUpOutcome:
        asked.append(request_followup(line, pack, followup, turn, n))
        return asked[-1]

    regions = line.config.allowed_regions
    reply, session = step(pack, before, event, Services(request_followup=ask, text_regions=regions))
    if reply.dial and not may_put_through(line, turn, n):
        # Past a cap: the caller hears the line cannot put calls through just now and is
        # back at the menu, where the page names its number; it is not offered again this call.
        before = replace(before, transfers=TRANSFERS_PER_CALL)
        reply, session = step(
            pack, before, replace(event, kind=EventKind.DIAL, value=DIAL_CAPPED), Services(request_followup=ask, text_regions=regions)
        )
    twiml = render_step(reply, speech, n + 1, call_state.encode(session, fernet))
    counted = reply.node if reply.node in pack.topics or reply.node in pack.menus else ""
    if before.pending and reply.node == before.pending.get("from"):
        # Back on the page a text was asked from: not heard again, or every caller who asks
        # for a text would count twice in the call paths.
        counted = ""
    # Counted once the call ends (``/voice/status``): where the caller was, unless the
    # line itself hangs up or puts them through (a step that is neither a menu nor a
    # page, such as "the text is on its way", leaves the place where it was); and which
    # page they asked to have texted, or were put through to a helpline from.
    # A caller back from a put-through who hangs up is not lost at the menu they hear next:
    # the helpline was what they called for (Twilio asks for this step when the helpline's
    # call ends, even when the caller has already hung up).
    place = "" if reply.hangup or reply.dial or event.kind == EventKind.DIAL else counted or None
    # A text is asked for once the number is settled: the page is the one the asking began on.
    page = (before.pending or {}).get("from") or before.node
    page_event = f"{PUT_THROUGH}:{page}" if reply.dial and page else f"{TEXT_ASKED}:{page}" if asked and page else ""
    if event.kind == EventKind.DIAL and event.value in DIAL_OUTCOMES:
        # Whether the helpline answered: Twilio's own word for it, from a known few (a field
        # name made of whatever a request says would let it fill the counts).
        page_event = f"{PUT_THROUGH_ENDED}:{event.value}"
    try:
        earlier = line.store.claim(
            turn, replay_record(event, asked), counted=counted, event=CONVERSATION if start else page_event, place=place
        )
    except redis.RedisError as exc:
        REDIS_ERRORS.labels("voice").inc()
        # The state is in the URL, so the call goes on as it was; only the retry
        # guard and the count are lost for this step.
        log.warning("voice call=%s step=%s redis unavailable (%s): answered, not recorded", short(call), n, type(exc).__name__)
        return xml(twiml)
    if earlier is not None:
        log.info("voice call=%s step=%s repeat delivery: same answer", short(call), n)
        at, outcome = replayed(earlier)
        if at is None:
            return xml(twiml)  # a record this process cannot read: this answer is as good as any
        # The same URL and form as the first delivery, at its time, with its follow-up's
        # outcome (nothing asked again): the identical answer.
        again = Services(request_followup=lambda followup: outcome, text_regions=regions)
        reply, session = step(pack, before, replace(event, at=at), again)
        return xml(render_step(reply, speech, n + 1, call_state.encode(session, fernet)))
    # Every answer is in the access log already; this is for following one call.
    log.debug("voice call=%s step=%s event=%s node=%s", short(call), n, event.kind, reply.node)
    return xml(twiml)


def may_put_through(line, turn: Turn, n: int) -> bool:
    """Whether the caps on put-throughs (``put_throughs``) let this step ring a helpline.
    Redis away or refusing: no, and the call goes on without it."""
    try:
        allowed = put_throughs.allowed(line.store, line.config, step=f"{turn.person}:{n}")
    except redis.RedisError as exc:
        log.warning("voice call=%s step=%s put-through not made: redis unavailable (%s)", short(turn.person), n, type(exc).__name__)
        return False
    if not allowed:
        log.warning("voice call=%s step=%s put-through not made: over a cap", short(turn.person), n)
    return allowed


def replay_record(event: Event, asked: list[FollowUpOutcome]) -> str:
    """What a retry of this step needs to answer identically, and no more: the time the
    step was answered at (opening hours) and how a text it asked for went. The URL and
    form, which decide everything else, come again with the retry. No number, no TwiML."""
    at = event.at.timestamp() if event.at else 0.0
    return f"{at!r}|{asked[0].value if asked else ''}"


def replayed(record: str) -> tuple[dt.datetime | None, FollowUpOutcome]:
    """``replay_record`` read back: (time, the follow-up's outcome); (None, ...) when unreadable."""
    stamp, _, outcome = record.partition("|")
    try:
        at = dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc)
        return at, FollowUpOutcome(outcome) if outcome else FollowUpOutcome.DUPLICATE
    except (ValueError, OverflowError, OSError):
        return None, FollowUpOutcome.DUPLICATE


def stateless(pack, speech: Speech, event: Event, n: int, fernet: Fernet, regions: tuple[str, ...]) -> str:
    """The answer from a fresh call, for when the call's state cannot be trusted (a bug).

    Keys and words still work. Silence cannot be counted without state, so one
    silence ends the call politely (helpline number, goodbye) rather than risk a
    caller hearing re-prompts for ever.
    """
    fresh = Session(channel="voice")
    if event.kind == "silence":
        fresh = replace(fresh, menu=pack.voice_main, node=pack.voice_main, silences=SILENCES_BEFORE_GOODBYE - 1)
    # No follow-up service: with no state to trust, a text cannot be asked for safely.
    reply, session = step(pack, fresh, event, Services(text_regions=regions))
    # A fallback: the 999 instruction in full, first, as at the start of a call.
    reply = replace(reply, first_words=True)
    return render_step(reply, speech, n + 1, call_state.encode(session, fernet))


def request_followup(line, pack, followup: FollowUp, turn: Turn, n: int) -> FollowUpOutcome:
    """The flow's follow-up service: queue the text, with the call and step as the job id.

    Asking for a text is the one step that acts outside Redis's claim (it queues a
    job before the answer is claimed), so a retry of the step is looked for first:
    one that finds an earlier answer queues nothing, and the claim then hands it
    that earlier answer. Whatever goes wrong here, the caller is told the text
    could not be sent and the call goes on: a failure to queue must not become a
    failed call.
    """
    call = turn.person
    began = time.monotonic()
    try:
        if (earlier := line.store.answered(turn)) is not None:
            log.info("voice call=%s step=%s repeat delivery: not queued again", short(call), n)
            return replayed(earlier)[1]  # what the first delivery was told
        # A STOP journalled in an outage is applied first: the number may be the one that sent it.
        line.catch_up(opt_change=True)
        outcome = followups.request(
            line,
            followup,
            job_id=f"voice-{call}-{n}",
            pack=pack,
            called=request.form.get("To", ""),
            call=call,
            at=now(),
        )
    except Exception:
        log.exception("voice call=%s step=%s follow-up could not be queued", short(call), n)
        outcome = FollowUpOutcome.UNAVAILABLE
    log.info("voice call=%s step=%s follow-up %s", short(call), n, outcome)
    # The words are one for queued, opted out and used up; so is the time. Queueing is the
    # slowest of them (the script, then RQ's enqueue), and a quicker answer for a number
    # that texted STOP would tell anyone timing the webhook what the words keep quiet.
    time.sleep(max(0.0, ASK_TAKES - (time.monotonic() - began)))
    return outcome


@bp.post("/voice/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: 999, the helpline number, goodbye. No Redis."""
    pack = current_app.extensions["signpost"].pack_for(request.form.get("To"))
    return xml(current_app.extensions[FALLBACK][pack.id])


def failed(exc: Exception) -> Response:
    """A bug gets the step as a fresh call would, else the fallback: never a 5xx, which
    Twilio would play to the caller as its own error (see service.web.never_fail)."""
    log.exception("voice webhook failed; answered from a fresh call")
    note_error()
    try:
        line = current_app.extensions["signpost"]
        pack = line.pack_for(request.form.get("To"))
        event = event_from(request.form, now(), start=request.path.rstrip("/") == "/voice")
        fernet = call_state.call_sealer(line.config.hash_key)
        return xml(stateless(pack, current_app.extensions[SPEECH][pack.id], event, step_number(), fernet, line.config.allowed_regions))
    except Exception:
        log.exception("voice webhook could not answer from a fresh call; answered with the fallback")
        return fallback()


answer_failures(bp, failed)
