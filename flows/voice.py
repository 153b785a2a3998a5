"""The voice conversation: a spoken menu a caller answers with a key or in words.

Fast to the number: every page says its most useful thing first, not its title (the
caller chose it). The 999 instruction is added by ``flows.render``: in full at the
start of every call, goodbye and fallback; in short after the first sentence of every
other turn; in full and first, worded for them, on a page for someone who may be the
one in danger. Why each of these: docs/how-it-works.md, "Why the voice line is built
this way".

Keys. Each option is said before its key. 9 repeats, star goes back, 0 is the main
menu, 8 slows the speech: said only where they do something. On a page, 1 is always
"text me" and 2 "put me through" (offered only while the helpline is open and the call
has put-throughs left). What the caller said, in words, is read by ``flows.heard``.

Silence gets a shorter prompt twice, then goodbye with a number to call (and one open
now). Pure, like the SMS flow: the time and the caller's number arrive in the event,
and the reply says what to do, not how in TwiML. A text asked for is handed to the
shell's follow-up service (``flows.services``), and the same turn says how it went.
"""

from __future__ import annotations

from dataclasses import replace

from flows.heard import THANKED, crisis_page, heard, reachable
from flows.keywords import spoken_digits
from flows.model import Channel, Event, EventKind, FollowUp, FollowUpOutcome, Listen, Session, VoiceReply
from flows.pack import Pack, Phrase
from flows.phones import classify, e164, national
from flows.render import PROFESSIONAL
from flows.services import NONE, Services
from flows.templates import spoken_number
from flows.voice_page import choices, content, hints, open_now_lines, page_actions

# Who a goodbye is for: a caller who has said nothing may be anyone.
ANYONE = "anyone"

REPEAT, MAIN, BACK, SLOWER = "9", "0", "*", "8"
# Asking for a text is a short conversation of its own; these are its steps.
CONFIRM_CALLER, ENTER_NUMBER, CONFIRM_NUMBER = (
    "text:confirm_caller",
    "text:enter_number",
    "text:confirm_number",
)
TEXT_STEPS = (CONFIRM_CALLER, ENTER_NUMBER, CONFIRM_NUMBER)
GOODBYE = "goodbye"
# Silences in a row before the line says goodbye: a re-prompt, another, then the end.
SILENCES_BEFORE_GOODBYE = 3
# Wrong numbers keyed before the line stops asking: never an endless loop.
NUMBER_TRIES = 3
# What the line sends when the caller asks from a menu rather than from a topic.
FOLLOWUP_TOPIC = "followup"
# How asking for a follow-up went, and what the caller is told. Queued, opted out and
# over an allowance all get the one neutral answer ("if that number can get texts from
# this line..."): any difference would tell whoever keys a number whether its owner
# texted STOP, or has been texted today. "Not allowed" is about the number itself (not a
# mobile of a region the line serves), which anyone can see, so it is said plainly; the
# line's own ceiling is worded as what it is, the line being busy.
OUTCOMES = {
    FollowUpOutcome.QUEUED: Phrase.SENT,
    FollowUpOutcome.DUPLICATE: Phrase.SENT,
    FollowUpOutcome.OPTED_OUT: Phrase.SENT,
    FollowUpOutcome.CAPPED: Phrase.SENT,
    FollowUpOutcome.NOT_ALLOWED: Phrase.CANNOT_TEXT,
    FollowUpOutcome.BUSY: Phrase.LINE_BUSY,
    FollowUpOutcome.UNAVAILABLE: Phrase.SEND_FAILED,
}
_DIAL_ANSWERED = ("completed", "answered")
# Twilio's other DialCallStatus values: the helpline did not answer, or the call did not connect.
DIAL_NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")
DIAL_OUTCOMES = _DIAL_ANSWERED + DIAL_NOT_ANSWERED
# The dial "ended" this way when the line would not put the caller through (a cap).
DIAL_CAPPED = "capped"
_TRAIL_MAX = 5


def step(pack: Pack, session: Session, event: Event, services: Services = NONE) -> tuple[VoiceReply, Session]:
    main = pack.voice_main
    if main is None:
        return (VoiceReply(GOODBYE, listen=Listen.NOTHING, hangup=True, first_words=True), Session(channel="voice"))
    if event.kind == EventKind.START or not _known(pack, session.node):
        session = Session(channel="voice", menu=main, node=main)
        if event.kind == EventKind.START:
            # The greeting stands for the main menu's own title: every second counts here.
            reply, session = _present(pack, session, main, event, before=(pack.voice_say[Phrase.GREETING],), full=False)
            return replace(reply, first_words=True), session
    if event.kind == EventKind.SILENCE:
        return _silence(pack, session, event)
    session = replace(session, silences=0)
    if event.kind == EventKind.DIAL:
        said = {**dict.fromkeys(_DIAL_ANSWERED, Phrase.DIAL_ENDED), DIAL_CAPPED: Phrase.DIAL_CAPPED}.get(event.value, Phrase.DIAL_FAILED)
        return _present(pack, session, session.menu or main, event, before=(pack.voice_say[said],))
    if heard(pack, event) == "#goodbye":
        return _farewell(pack, session)
    if session.node in TEXT_STEPS:
        at_risk = crisis_page(pack, event)
        if at_risk:
            return _go(pack, replace(session, pending=None), at_risk, event)
        return _text_step(pack, session, event, services)
    return _choose(pack, session, event, services)


def _known(pack: Pack, node: str | None) -> bool:
    return node is not None and (
        node in TEXT_STEPS or node in pack.voice_texts or (node in pack.menus and pack.menus[node].channel == Channel.VOICE)
    )


def _choice(said: str) -> int:
    """The number of a content choice, or 0: only keypad digits count ("\u00b2" is not 2)."""
    return int(said) if said.isascii() and said.isdigit() and len(said) <= 2 else 0


def _choose(pack: Pack, session: Session, event: Event, services: Services) -> tuple[VoiceReply, Session]:
    """The caller is on a menu or has just heard a topic: do what they chose."""
    said = heard(pack, event)
    common = _common(pack, session, event, said)
    if common is not None:
        return common
    node = session.node or pack.voice_main or ""  # known here: step() starts afresh otherwise
    risk_page = pack.understanding.risk_page if pack.understanding else None
    if (
        node == risk_page
        and event.kind == EventKind.SPEECH
        and said in pack.voice_texts
        and said != node
        and not pack.voice_keywords.exact(event.value)
    ):
        # Said straight after the page for someone at risk ("what do I do", "what number"):
        # the page again, its numbers first, not the professionals' guidance. A page
        # asked for by name, a key or a command still leads on.
        return _present(pack, session, node, event)
    if node in pack.menus:
        options = pack.menus[node].options
        if 1 <= _choice(said) <= len(options):
            return _go(pack, session, options[_choice(said) - 1], event)
    else:
        actions = page_actions(pack, node, event.at, session.transfers)
        said = {key: f"#{action}" for action, key in actions.items()}.get(said, said)
        if said == "#transfer" and "transfer" in actions:
            return _transfer(pack, session, node)
    if said == "#transfer":
        # "Put me through to someone" where no one can be: the page that can, with its
        # numbers (never "not one of the choices" to someone asking for a person).
        page = next((t.id for t in pack.topics.values() if t.transfer and reachable(pack, t.id)), None)
        if page:
            return _go(pack, session, page, event)
    if said in ("#text", "#links"):
        return _start_text(pack, session, event, services, links=said == "#links")
    if said in pack.voice_texts or (said in pack.menus and pack.menus[said].channel == Channel.VOICE):
        return _go(pack, session, said, event)
    if event.kind == EventKind.SPEECH and pack.understanding and node == pack.understanding.risk_page:
        # Words the line cannot place, said to the page for someone at risk ("no",
        # "I don't know"): the page again, its numbers first, never "not one of the choices".
        return _present(pack, session, node, event)
    if said == THANKED:
        # "Thank you" is not a wrong choice: the choices again, without the apology, and
        # the call goes on ("thanks, bye" ends it).
        return _present(pack, session, node, event, full=False)
    return _present(pack, session, node, event, before=(pack.voice_say[Phrase.NOT_A_CHOICE],), full=False)


def _common(pack: Pack, session: Session, event: Event, said: str):
    """The keys that work the same on every menu; None when ``said`` is none of them."""
    if said in (REPEAT, "#repeat"):
        return _present(pack, session, session.node, event)
    if said in (SLOWER, "#slow"):
        session = replace(session, slow=True)
        return _present(pack, session, session.node, event, before=(pack.voice_say[Phrase.SLOWER],))
    if said in (MAIN, "#main"):
        main = pack.voice_main
        return _present(pack, replace(session, menu=main, trail=[], pending=None), main, event)
    if said in (BACK, "#back"):
        return _back(pack, session, event)
    return None


def _back(pack: Pack, session: Session, event: Event) -> tuple[VoiceReply, Session]:
    main = pack.voice_main
    node = session.node
    if node in TEXT_STEPS:
        origin = (session.pending or {}).get("from") or session.menu or main
        return _present(pack, replace(session, pending=None), origin, event)
    if node in pack.menus:
        trail = list(session.trail)
        parent = trail.pop() if trail else main
        return _present(pack, replace(session, trail=trail, menu=parent), parent, event)
    return _present(pack, session, session.menu or main, event)


def _go(pack: Pack, session: Session, node: str, event: Event) -> tuple[VoiceReply, Session]:
    """Move to ``node``, remembering the way back."""
    if node in pack.menus:
        trail = list(session.trail)
        if session.menu and session.menu != node and node != pack.voice_main:
            trail = (trail + [session.menu])[-_TRAIL_MAX:]
        if node == pack.voice_main:
            trail = []
        session = replace(session, menu=node, trail=trail)
    return _present(pack, session, node, event)


# --- what the caller hears ------------------------------------------------------


def _present(pack: Pack, session: Session, node: str | None, event: Event, before=(), full=True, offer_text=True):
    """Say ``node`` (its content, unless ``full`` is false) and its choices; listen.

    ``offer_text`` false: a text has just been asked for, so it is not offered again.
    """
    if node in TEXT_STEPS:
        return _text_prompt(pack, session, node or "", event, before)
    if node is None or not _known(pack, node):
        node = pack.voice_main or ""
    if node in pack.menus:
        session = replace(session, menu=node)
    session = replace(session, node=node, pending=None)
    said = [
        *before,
        *(content(pack, node, event.at, session.transfers) if full else ()),
        *choices(pack, session, node, event.at, offer_text),
    ]
    reader = pack.topics[node].reader if node in pack.topics else PROFESSIONAL
    return VoiceReply(node, tuple(said), Listen.MENU, hints(pack, node), session.slow, reader=reader), session


def _farewell(pack: Pack, session: Session, words: Phrase = Phrase.FAREWELL) -> tuple[VoiceReply, Session]:
    """The caller said goodbye ("bye", "that's all"): end the call naming who is there
    to talk to, day and night, as a goodbye may be more than the end of a call."""
    return VoiceReply(
        GOODBYE, (pack.voice_say[words],), Listen.NOTHING, slow=session.slow, hangup=True, first_words=True, reader=ANYONE
    ), session


def _silence(pack: Pack, session: Session, event: Event) -> tuple[VoiceReply, Session]:
    silences = session.silences + 1
    session = replace(session, silences=silences)
    at_risk = session.node == pack.understanding.risk_page
    if silences >= SILENCES_BEFORE_GOODBYE and at_risk:
        # Silent after the page for someone at risk: a caller who may not be safe, or may
        # not be able to speak, hears how to reach 999 without words and who is there day
        # and night, not the professionals' helpline and its hours.
        return _farewell(pack, session, Phrase.AT_RISK_GOODBYE)
    if silences >= SILENCES_BEFORE_GOODBYE:
        # Before the caller is left alone: a helpline open now, if those named are closed.
        written = pack.voice.get("say", {}).get(Phrase.NO_INPUT_GOODBYE, "")
        goodbye = (
            pack.voice_say[Phrase.NO_INPUT_GOODBYE],
            *open_now_lines(pack, written, ANYONE, event.at),
            pack.voice_say[Phrase.GOODBYE],
        )
        return VoiceReply(GOODBYE, goodbye, Listen.NOTHING, slow=session.slow, hangup=True, first_words=True), session
    node = session.node
    if node in TEXT_STEPS:
        return _text_prompt(pack, session, node, event, ())
    # After the page for someone at risk the numbers are said again, not only the keys.
    return _present(pack, session, node, event, before=(pack.voice_say[Phrase.REPROMPT],), full=at_risk)


def _transfer(pack: Pack, session: Session, topic_id: str) -> tuple[VoiceReply, Session]:
    number = pack.numbers[pack.topics[topic_id].transfer]
    target = e164(number.number, pack.region) or number.number
    said = (pack.voice_say[Phrase.PUTTING_THROUGH],)
    session = replace(session, transfers=session.transfers + 1)
    return VoiceReply(topic_id, said, Listen.NOTHING, slow=session.slow, dial=target), session


# --- sending the content by text --------------------------------------------------


def _start_text(pack: Pack, session: Session, event: Event, services: Services, links: bool = False):
    """Ask where to text: what the caller just heard, or the links.

    "The links" is always the follow-up page (reporting links, the helpline, how to
    get the menu by text); "this" is the page just heard, or the one its topic names.
    """
    node = session.node
    topic = pack.topics.get(node or "")
    if links or topic is None or topic.id not in pack.sms_pages:
        chosen = FOLLOWUP_TOPIC
    else:
        chosen = topic.by_text or topic.id
    session = replace(session, pending={"topic": chosen, "from": node})
    caller = classify(event.caller, pack.region)
    step_ = CONFIRM_CALLER if caller.textable(services.text_regions) else ENTER_NUMBER
    return _text_prompt(pack, session, step_, event, ())


def _text_prompt(pack: Pack, session: Session, node: str, event: Event, before):
    say = pack.voice_say
    pending = dict(session.pending or {})
    if node == CONFIRM_CALLER:
        last_three = " ".join(classify(event.caller, pack.region).last_three)
        if not last_three:
            node = ENTER_NUMBER
        else:
            prompt = say[Phrase.CONFIRM_CALLER].replace("{last_three}", last_three)
    if node == CONFIRM_NUMBER:
        number = pending.get("number", "")
        if not number:
            node = ENTER_NUMBER
        else:
            prompt = say[Phrase.CONFIRM_NUMBER].replace("{digits}", spoken_number(national(number, pack.region)))
    if node == ENTER_NUMBER:
        prompt = say[Phrase.ENTER_NUMBER]
        pending.pop("number", None)
    session = replace(session, node=node, pending=pending)
    listen = Listen.NUMBER if node == ENTER_NUMBER else Listen.MENU
    # Star still goes back from here; the caller must hear that it does.
    return VoiceReply(node, (*before, prompt, say[Phrase.KEY_BACK]), listen, slow=session.slow), session


def _text_step(pack: Pack, session: Session, event: Event, services: Services) -> tuple[VoiceReply, Session]:
    node, pending = session.node or ENTER_NUMBER, dict(session.pending or {})
    if node == ENTER_NUMBER:
        return _keyed_number(pack, session, event, pending, services)
    said = heard(pack, event)
    if said in ("1", "#yes"):
        if node == CONFIRM_CALLER:
            number = classify(event.caller, pack.region).e164
        else:
            number = pending.get("number", "")
        if number:
            # The service queues the text (or says why not); the turn ends with its answer.
            outcome = services.request_followup(FollowUp(pending.get("topic", FOLLOWUP_TOPIC), number))
            return _followup_outcome(pack, session, outcome, event)
    if said in ("2", "#no"):
        return _text_prompt(pack, session, ENTER_NUMBER, event, ())
    common = _common(pack, session, event, said)
    if common is not None:
        return common
    return _text_prompt(pack, session, node, event, (pack.voice_say[Phrase.NOT_A_CHOICE],))


def _keyed_number(pack: Pack, session: Session, event: Event, pending: dict, services: Services):
    value = event.value if event.kind in (EventKind.DIGITS, EventKind.SPEECH) else ""
    if event.kind == EventKind.SPEECH:
        said = pack.voice_keywords.match(value) or ""
        if said in ("#back", "#main", "#repeat", "#slow"):
            return _common(pack, session, event, said)
        value = spoken_digits(value)
    if "*" in value:
        return _back(pack, session, event)
    number = classify(value, pack.region)
    if number.textable(services.text_regions):
        pending["number"] = number.e164
        return _text_prompt(pack, replace(session, pending=pending), CONFIRM_NUMBER, event, ())
    tries = int(pending.get("tries", 0)) + 1
    if tries >= NUMBER_TRIES:
        origin = pending.get("from") or pack.voice_main
        sorry = (pack.voice_say[Phrase.NOT_A_MOBILE], pack.voice_say[Phrase.TOO_MANY_TRIES])
        return _present(pack, replace(session, pending=None), origin, event, before=sorry, full=False)
    pending["tries"] = tries
    session = replace(session, pending=pending)
    return _text_prompt(pack, session, ENTER_NUMBER, event, (pack.voice_say[Phrase.NOT_A_MOBILE],))


def _followup_outcome(pack: Pack, session: Session, outcome: FollowUpOutcome, event: Event) -> tuple[VoiceReply, Session]:
    said = pack.voice_say[OUTCOMES.get(outcome, Phrase.SEND_FAILED)]
    origin = (session.pending or {}).get("from") or session.menu or pack.voice_main
    session = replace(session, pending=None)
    return _present(pack, session, origin, event, before=(said,), full=False, offer_text=False)
