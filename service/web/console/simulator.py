"""The simulator: text the line or walk a call in the browser, through the same pure
flows the webhooks use, with nothing written anywhere.

The conversation so far travels in the form itself, as the list of what the person
did; each turn replays it from a fresh session through ``flows.step``. The flows are
pure, so the replay gives the same answers, and the simulator needs no state of
its own: no Redis, no queue, no session store. POST, so that what is typed stays
out of access logs.

A text the caller asks for is not queued: the simulator's ``Services`` records it,
the page shows the text that would be sent, and the flow is told it was queued
(what a caller would hear then). The
simulated caller is an example UK mobile (the one the tests use; nothing is ever
sent to it) or withheld; the page never shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app, render_template, request

from flows import Event, Services, Session, step
from flows.model import FollowUp, FollowUpOutcome
from flows.phones import e164
from flows.render import voice_turn
from flows.hours import UK
from service.web.console.blueprint import bp
from service.web.console.content import size_words

MAX_TURNS = 40
YEARS = (2000, 2099)
# Ofcom's drama range (07700 900xxx) is not a valid mobile to phonenumbers, so the
# flow would treat it as withheld: an example mobile, never texted, stands in.
FICTIONAL_MOBILE = "+447400123456"
CALLERS = {"mobile": FICTIONAL_MOBILE, "withheld": ""}


@dataclass
class ShownTurn:
    said: str  # what the person did, as shown
    reply: list[str]  # what the line said back, line by line
    notes: list[str] = field(default_factory=list)
    text_me: list[str] = field(default_factory=list)  # a text that would be sent


def clock(raw: str) -> tuple[dt.datetime, str]:
    """The simulated time from a datetime-local field (UK time); now when unset or unreadable."""
    try:
        at = dt.datetime.fromisoformat(raw).replace(tzinfo=UK, second=0, microsecond=0)
        # Bank holidays and opening times are known for years near ours, not for year 1.
        if not YEARS[0] <= at.year <= YEARS[1]:
            raise ValueError(raw)
    except ValueError:
        at = dt.datetime.now(UK).replace(second=0, microsecond=0)
    return at.astimezone(dt.timezone.utc), at.strftime("%Y-%m-%dT%H:%M")


def _pack():
    line = current_app.extensions["signpost"]
    packs = {p.id: p for p in line.every_pack}
    return packs.get(request.form.get("pack") or request.args.get("pack", "")) or line.pack, list(packs)


def history() -> list[str]:
    if request.form.get("action") == "restart":
        return []
    return request.form.getlist("did")[-MAX_TURNS:]


@bp.route("/simulator/sms", methods=["GET", "POST"])
def simulate_sms():
    pack, packs = _pack()
    at, at_field = clock(request.form.get("at", ""))
    did = history()
    message = request.form.get("message", "").strip()
    problem = ""
    if request.method == "POST" and request.form.get("action") == "send":
        if message:
            did = (did + [message[:500]])[-MAX_TURNS:]
        else:
            problem = "Type a text in the box, then press Send."
    session, turns = Session(channel="sms"), []
    for text in did:
        reply, session = step(pack, session, Event("text", text, at=at, caller=FICTIONAL_MOBILE))
        notes = [size_words(reply.text)]
        if reply.effect == "opt_out":
            notes.append("The line would record an opt-out (the simulator records nothing).")
        elif reply.effect == "opt_in":
            notes.append("The line would record an opt-in (the simulator records nothing).")
        turns.append(ShownTurn(text, reply.text.splitlines(), notes))
    return render_template("console/simulator_sms.html", pack=pack, packs=packs, turns=turns, did=did, at=at_field, problem=problem)


# Twilio's word for how a put-through ended, as a manager would say it.
DIAL_WORDS = {
    "completed": "the helpline answered",
    "answered": "the helpline answered",
    "no-answer": "the helpline did not answer",
    "busy": "the helpline was busy",
    "failed": "the call could not be made",
    "canceled": "the caller hung up first",
}


def _call_event(action: str, at: dt.datetime, caller: str) -> tuple[Event, str]:
    kind, _, value = action.partition(":")
    if kind == "key":
        return Event("digits", value, at=at, caller=caller), f"Pressed {value}"
    if kind == "say":
        return Event("speech", value, at=at, caller=caller), f'Said "{value}"'
    if kind == "end":
        return Event("dial", value, at=at, caller=caller), f"The helpline call ended: {DIAL_WORDS.get(value, value)}"
    return Event("silence", at=at, caller=caller), "Stayed silent"


@bp.route("/simulator/call", methods=["GET", "POST"])
def simulate_call():
    pack, packs = _pack()
    at, at_field = clock(request.form.get("at", ""))
    caller_kind = request.form.get("caller", "mobile")
    caller = CALLERS.get(caller_kind, FICTIONAL_MOBILE)
    did = history()
    action = request.form.get("action", "")
    keys = "".join(c for c in request.form.get("keys", "") if c in "0123456789*#")[:20]
    if len(keys) > 1:
        # A number keyed then # (as the line asks): Twilio ends the keys at the # and
        # never passes it on (its finishOnKey), so neither does the simulator.
        keys = keys.rstrip("#")
    words = request.form.get("words", "").strip()[:200]
    problem, focus = "", "words" if action == "say" else "keys"
    if action == "press":
        if keys:
            did.append(f"key:{keys}")
        else:
            problem = "Type a key (1 to 9, 0 or *), or a number then #, in the keys box, then press Press."
    elif action == "say":
        if words:
            did.append(f"say:{words}")
        else:
            problem = "Type the words the caller says, then press Say."
    elif action == "silence":
        did.append("silence")
    elif action in ("completed", "busy", "no-answer"):
        did.append(f"end:{action}")
    did = did[-MAX_TURNS:]

    asked: list[FollowUp] = []

    def text_me(followup: FollowUp) -> FollowUpOutcome:
        # What the line's service would do is queue it; here it is only shown.
        asked.append(followup)
        return FollowUpOutcome.QUEUED

    services = Services(request_followup=text_me, text_regions=current_app.extensions["signpost"].config.allowed_regions)
    session = Session(channel="voice")
    reply, session = step(pack, session, Event("start", at=at, caller=caller), services)
    turns = [_call_turn(pack, "The call is answered", reply, asked, at)]
    for done in did:
        if reply.hangup:
            break
        event, shown = _call_event(done, at, caller)
        reply, session = step(pack, session, event, services)
        turns.append(_call_turn(pack, shown, reply, asked, at))
    return render_template(
        "console/simulator_call.html",
        pack=pack,
        packs=packs,
        turns=turns,
        did=did,
        at=at_field,
        caller=caller_kind,
        ended=reply.hangup,
        dialling=bool(reply.dial),
        listen=reply.listen,
        problem=problem,
        focus=focus,
    )


def _call_turn(pack, shown: str, reply, asked: list[FollowUp], at) -> ShownTurn:
    # What the renderer says (service.twilio.twiml_voice), the 999 instruction where it puts it.
    said = list(voice_turn(reply.say, reply.first_words, reply.reader)) if reply.say else []
    notes, text_me = [], []
    if asked:
        text_me = pack.sms_page(asked.pop().topic, at).splitlines()
        notes.append("The line would send this text to the caller's mobile; the simulator sends nothing.")
    if reply.dial:
        name = next((n.name for n in pack.numbers.values() if e164(n.number, pack.region) == reply.dial), "the helpline")
        notes.append(f"The line would put the caller through to {name}.")
    if reply.hangup:
        notes.append("The line hangs up.")
    return ShownTurn(shown, said, notes, text_me)
