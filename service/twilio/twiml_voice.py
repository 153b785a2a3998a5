"""A :class:`flows.model.VoiceReply` as TwiML, built with twilio's ``VoiceResponse``.

The 999 instruction is added here, through ``flows.render.voice_turn``: in full and
first at the start of a call, before a goodbye and in the fallback, in short after
the first sentence of any other turn; inside the ``<Gather>`` when there is one,
so that a caller who knows what they want can press a key over it. No content
edit and no flow can leave it out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from twilio.twiml.voice_response import VoiceResponse

from flows.model import Listen, VoiceReply
from flows.pack import Pack, Phrase
from flows.render import EMERGENCY_VOICE, voice_turn
from flows.voice import TEXT_STEPS
from service.twilio.call_state import PARAM as STATE_PARAM

STEP_URL = "/voice/step?n="
# Stands for the step URL in a rendered template; no content can contain it.
_STEP_MARK = "\x00step\x00"


@dataclass(frozen=True)
class Speech:
    """How the line sounds and waits: from the pack, with the voice overridable by config."""

    voice: str
    language: str
    timeout: int
    dial_timeout: int
    dial_time_limit: int
    slow_rate: str

    @classmethod
    def of(cls, pack: Pack, voice: str = "") -> Speech:
        return cls(
            voice=voice or pack.voice_setting("voice"),
            language=pack.voice_setting("language"),
            timeout=pack.voice_setting("timeout"),
            dial_timeout=pack.voice_setting("dial_timeout"),
            dial_time_limit=pack.voice_setting("dial_time_limit"),
            slow_rate=pack.voice_setting("slow_rate"),
        )


def render(reply: VoiceReply, speech: Speech, action: str) -> str:
    """TwiML for ``reply``; keys, words, silence and a finished transfer all come to ``action``."""
    response = VoiceResponse()
    target = response
    if reply.listen:
        target = response.gather(action=action, method="POST", **_listening(reply, speech))
    for text in voice_turn(reply.say, reply.first_words, reply.reader):
        _say(target, text, speech, reply.slow)
    if reply.dial:
        response.dial(reply.dial, action=action, method="POST", timeout=speech.dial_timeout, time_limit=speech.dial_time_limit)
    elif reply.listen:
        # No key and no words before the timeout: Gather falls through to here.
        response.redirect(action, method="POST")
    else:
        response.hangup()
    return str(response)


def step_url(n: int, state: str) -> str:
    """Where the caller's next answer comes: step ``n``, carrying the call's state."""
    return f"{STEP_URL}{n}&{STATE_PARAM}={state}"


def render_step(reply: VoiceReply, speech: Speech, n: int, state: str) -> str:
    """TwiML for ``reply`` with its answers coming to step ``n``, carrying ``state``.

    Building TwiML is most of the work of a turn, and the same menu or page is
    asked for again and again, so each distinct reply is rendered once and only
    the step is filled in. Not the steps of asking for a text: those can read a
    phone number back, and no number is kept in memory longer than a turn.
    """
    if reply.node in TEXT_STEPS:
        return render(reply, speech, step_url(n, state))
    # The template is serialised XML, so what goes into its attribute is escaped here.
    return _template(reply, speech).replace(_STEP_MARK, xml_escape(step_url(n, state)))


@functools.lru_cache(maxsize=1024)
def _template(reply: VoiceReply, speech: Speech) -> str:
    return render(reply, speech, _STEP_MARK)


def goodbye(text: str, speech: Speech) -> str:
    """The 999 sentence, ``text``, and hang up: for when nothing else can be trusted."""
    response = VoiceResponse()
    for line in (EMERGENCY_VOICE, text):
        if line:
            _say(response, line, speech, slow=False)
    response.hangup()
    return str(response)


def fallback(pack: Pack, speech: Speech) -> str:
    """The pack's fallback answer: 999, the Professionals Online Safety Helpline number
    (read as digits) and its hours, goodbye. The same TwiML for the fallback URL on the
    line's own host and for the static copy ``signpost export-fallback`` writes."""
    return goodbye(pack.voice_say.get(Phrase.FALLBACK, ""), speech)


def _listening(reply: VoiceReply, speech: Speech) -> dict:
    if reply.listen == Listen.NUMBER:
        # A phone number is keyed, ended by #. Speech is still heard: a caller who says
        # words of crisis while asked for a number must reach the page for them, and a
        # number said aloud is read as its digits (flows.keywords.spoken_digits).
        return {
            "input": "dtmf speech",
            "finish_on_key": "#",
            "timeout": speech.timeout,
            "speech_timeout": "auto",
            "language": speech.language,
        }
    listen = {
        "input": "dtmf speech",
        "num_digits": 1,
        "timeout": speech.timeout,
        "speech_timeout": "auto",
        "language": speech.language,
    }
    if reply.hints:
        listen["hints"] = ", ".join(reply.hints)
    return listen


def _say(target, text: str, speech: Speech, slow: bool) -> None:
    if slow:
        target.say(voice=speech.voice, language=speech.language).prosody(text, rate=speech.slow_rate)
    else:
        target.say(text, voice=speech.voice, language=speech.language)
