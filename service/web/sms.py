"""``POST /sms``: Twilio's messaging webhook, answered with TwiML ``<Message>``.

Whatever happens - an unknown message, an expired session, Redis gone, a bug -
Twilio gets a 200 with a reply whose first line is the 999 instruction.
"""

from __future__ import annotations

import functools
import logging
import re
import time

import redis
from flask import Blueprint, Response, current_app, request

from flows import Event, EventKind
from flows.keywords import may_hold_a_number
from flows import sms as sms_flow
from flows.model import Reply
from flows.pack.open_now import page_key
from flows.phones import sender
from service.followups import media
from service.state.pseudonyms import short, token_id
from service.state.local_caps import Decision
from service.state.store import Store, Turn
from service.twilio import twiml_sms
from service.twilio.texters import texts_from_home
from service.twilio.events import media_count, media_sids, message_event
from service.web.never_fail import answer_failures
from service.web.clock import now
from service.web.metrics import REDIS_ERRORS, note_error
from service.web.signature import require_twilio_signature

log = logging.getLogger("signpost.sms")
bp = Blueprint("sms", __name__)
bp.before_request(require_twilio_signature)

DECIDED = "signpost.sms.decided"
PAGES = "signpost.sms.pages"
# The texts whose decided turn is remembered (see ``remember_turns``): one word of at
# most 20 characters, with at most two digits, and spaces around it, 40
# characters in all at most. The length is checked before any pattern runs, and the
# pattern cannot backtrack (its spaces and its word share no character), so the
# work is bounded whatever is texted: a pattern that looked ahead for digits from
# every leading space took seconds over 20,000 of them.
REMEMBERED_LENGTH = 40
REMEMBERED = re.compile(r"\s*(\S{1,20})\s*")


def remembered(body: str) -> bool:
    if len(body) > REMEMBERED_LENGTH:
        return False
    word = REMEMBERED.fullmatch(body)
    return word is not None and not may_hold_a_number(word.group(1))


def page(line, pack, node: str) -> Response:
    """A page rendered at start-up, as it reads now (naming a helpline open now when those
    it names are closed); an unknown node (a pack changed under a retry) gets the menu."""
    pages = current_app.extensions[PAGES][pack.id]
    found = pages.get(page_key(pack, node, now())) or pages.get(node) or pages[pack.main_menu]
    return Response(found, mimetype="application/xml")


@bp.record_once
def prerender(state) -> None:
    """Every pack's SMS pages as TwiML, made at start-up: a turn only picks one."""
    line = state.app.extensions["signpost"]
    state.app.extensions[PAGES] = {pack.id: twiml_sms.rendered_pages(pack) for pack in line.every_pack}
    for pages in state.app.extensions[PAGES].values():
        pages[twiml_sms.LINE_BUSY] = twiml_sms.render(twiml_sms.LINE_BUSY_TEXT)


@bp.record_once
def remember_turns(state) -> None:
    """A turn depends on nothing but the pack and the words (the SMS flow reads no clock),
    and most texts are the same few words ("hi", "1", "STOP"), so each worker
    remembers those. Only short single words with at most two digits, so that no phone
    number and no sentence a person texts outlives its turn."""
    line = state.app.extensions["signpost"]
    state.app.extensions[DECIDED] = {
        pack.id: functools.lru_cache(maxsize=1024)(functools.partial(_decide, pack)) for pack in line.every_pack
    }


def decided(pack, event: Event) -> tuple[Reply, str]:
    """The turn's answer from a fresh session (Redis's stand-in), and the turn decided
    from every menu as the answer script reads it."""
    if event.kind == EventKind.TEXT and remembered(event.value):
        return current_app.extensions[DECIDED][pack.id](event.value)
    return _decide(pack, event.value, event.kind)


def _decide(pack, body: str, kind: EventKind | str = EventKind.TEXT) -> tuple[Reply, str]:
    outcomes = sms_flow.outcomes(pack, Event(kind, body))
    fresh, _ = outcomes[""]
    return fresh, Store.encode_outcomes(outcomes)


def delivery_token(form, channel: str) -> str | None:
    """What makes a retried delivery the same delivery: the message, else Twilio's token."""
    token = form.get("MessageSid") or request.headers.get("I-Twilio-Idempotency-Token")
    return token_id(channel, token) if token else None


def delete_media(line, form, person: str) -> None:
    """Queue the deletion of what was sent, never opening it; log how many items only.
    A failure to queue must not cost the person their answer."""
    sids, message_sid = media_sids(form), form.get("MessageSid", "")
    if not (sids and message_sid):
        return
    try:
        outcome = media.enqueue(media.queue(line.store.redis), message_sid, sids, line.config, person)
        if outcome == "queued":
            log.info("media received: %d item(s), deletion queued", len(sids))
        else:
            log.warning("media received: %d item(s), NOT queued for deletion: %s", len(sids), media.USED_UP[outcome])
    except redis.RedisError as exc:
        log.warning("media received: %d item(s), deletion NOT queued (%s)", len(sids), type(exc).__name__)


# Redis answering but refusing writes (full under noeviction, a demoted primary, short of
# the replicas it must write to): it answered, so it can still be read.
REFUSED_WRITES = redis.ResponseError


# Twilio may be configured with a trailing slash; the line answers both the same.
@bp.post("/sms")
@bp.post("/sms/")
def inbound() -> Response:
    line = current_app.extensions["signpost"]
    form = request.form
    pack = line.pack_for(form.get("To"))
    # SMS or WhatsApp: the same pages, a session, opt-out and count of their own.
    channel, person = line.texter(form.get("From"))
    # A text to a number abroad costs more, and such numbers are how SMS pumping is
    # done: texters who are not at home (see texters) share one hourly allowance of
    # replies for each channel, WhatsApp's senders counted the same way as texts.
    abroad = not texts_from_home(sender(form.get("From")), line.config.allowed_regions)
    limit = line.config.sms_replies_abroad_per_hour if abroad else line.config.sms_replies_per_hour
    event = message_event(form)
    fresh, encoded = decided(pack, event)
    now = time.time()
    turn = Turn(channel, person, delivery_token(form, channel), pack.id, abroad=abroad)
    delivery = turn.delivery_key if turn.delivery else None
    try:
        # What the local caps sent during an outage is counted first, and opt-outs
        # journalled then are applied, so none can undo a newer change.
        line.count_local_sends()
        line.catch_up(opt_change=bool(fresh.effect))
        answer = line.store.answer(
            turn,
            encoded,
            number_id=person,
            reply_limit=limit,
            line_limit=line.config.sms_replies_line_per_hour,
            busy=twiml_sms.LINE_BUSY,
            now=now,
            confirm=bool(fresh.effect),
        )
    except redis.RedisError as exc:
        # Stateless fallback: the turn as if from a fresh session still answers
        # keywords and gives the menu; an opt-out goes to the journal. The caps fail
        # closed: this process's own (local_caps) decide, and nothing goes abroad.
        line.redis_failed()
        REDIS_ERRORS.labels("sms").inc()
        if media_count(form):
            delete_media(line, form, person)  # says it could not be queued
        if fresh.effect:
            line.journal.record(person, fresh.effect, now, delivery)
        sent_to_texter = 0
        if isinstance(exc, REFUSED_WRITES):
            # Redis answers but takes no writes: what it counted this hour still holds, for
            # this texter and for the line, so the process's caps start there.
            try:
                sent_to_texter, sent_by_line = line.store.sent_in_the_last_hour(turn, now)
                line.local_caps.line_counted(sent_by_line)
            except redis.RedisError:
                pass
        decision = line.local_caps.decide(
            person,
            abroad=abroad,
            page=bool(fresh.node),
            confirms_opt_change=bool(fresh.effect),
            sent_before=sent_to_texter,
            record_as=turn.replies_key,
        )
        log.warning(
            "sms from=%s redis unavailable (%s): %s without a session, by this process's caps", short(person), type(exc).__name__, decision
        )
        node = {Decision.ANSWER: fresh.node, Decision.BUSY: twiml_sms.LINE_BUSY}.get(decision, twiml_sms.NO_REPLY)
        return page(line, pack, node)
    if media_count(form) and answer.status != "repeat":
        # After the answer: a retried or replayed delivery (its answer on record) must not
        # queue its pictures' deletion again, nor use up the line's deletions for the hour.
        delete_media(line, form, person)
    if answer.effect and not answer.kept:
        # Kept by a primary no replica has caught up with: if it failed now, the change
        # would go with it. The journal keeps it too, at the same time, so replaying it
        # changes nothing unless it was lost.
        line.journal.record(person, answer.effect, now, delivery)
    line.local_caps.redis_counted(person, answer.texter_sent, answer.line_sent)
    if answer.status == "flooded":
        # An opt-out is still recorded; only the reply, which costs money, is held back.
        log.warning(
            "sms from=%s over %d replies this hour%s: not answered", short(person), limit, " to all texters abroad" if abroad else ""
        )
    elif answer.status == "busy":
        log.warning(
            "sms from=%s: the line has sent its %d pages this hour; %s",
            short(person),
            line.config.sms_replies_line_per_hour,
            "told it is busy" if answer.node else "not answered",
        )
    elif answer.effect:
        log.info("%s from=%s %s%s", channel, short(person), answer.effect, " (Twilio answered)" if event.kind == EventKind.CARRIER else "")
    else:
        # Every answer is in the access log already; this is for following one conversation.
        log.debug("%s from=%s %s node=%s", channel, short(person), answer.status, answer.node)
    return page(line, pack, answer.node)


@bp.post("/sms/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: the main menu, no Redis, nothing computed.
    Nothing at all for a message Twilio has answered itself (``OptOutType``: a STOP,
    with a picture or without): the texter has their confirmation, and a menu after a
    STOP is a text to someone who asked for none."""
    line = current_app.extensions["signpost"]
    pack = line.pack_for(request.form.get("To"))
    if message_event(request.form).kind == EventKind.CARRIER:
        return page(line, pack, twiml_sms.NO_REPLY)
    return page(line, pack, pack.main_menu)


def failed(exc: Exception) -> Response:
    """A bug gets the main menu, never a 5xx (see service.web.never_fail)."""
    log.exception("sms webhook failed; answered with the main menu")
    note_error()
    return fallback()


answer_failures(bp, failed)
