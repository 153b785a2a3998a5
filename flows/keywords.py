"""Understanding what a texter (or a speech recogniser) sent.

People under stress type fast on small keyboards: case, spacing, punctuation and
a slipped letter must not matter. Matching is exact first, then word by word, then
close matches (``difflib``, in the standard library, is enough for a few dozen
keywords; a fuzzy-matching dependency would buy nothing here).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# The words carriers and Twilio treat as opt-out and opt-in (whole message only).
OPT_OUT = frozenset(["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"])
OPT_IN = frozenset(["start", "yes", "unstop"])

# Opting out as people say it, as a whole message. Written out, not learned: a
# wrong guess either silences the line for someone who asked for help or keeps
# texting someone who asked it to stop. "remove the photos" is about the images.
_MORE = r"(?: (?:please|pls|thanks|thank you|now|again|any ?more|ever|at all|ok))*"
# Said before opting out, and nothing else: "wrong number, stop", "I never signed up for this".
_WHY = (
    r"(?:(?:wrong number|who is this|(?:i )?(?:did not|didnt|didn t|never) (?:sign|signed|ask|asked)"
    r"(?: up)?(?: for (?:this|these|it|them))?|not interested|no thanks|no thank you) )?"
)
_MESSAGES = r"(?:messages|texts|text messages|msgs|txts|sms|sms messages)"
_MY_NUMBER = r"my (?:phone |mobile )?(?:number|details|mobile|phone)"
OPT_OUT_PHRASES = re.compile(
    _WHY + r"(?:please |pls )?(?:(?:can|could|will) (?:you|u) (?:please |pls )?)?(?:"
    r"(?:stop|cancel|unsubscribe|opt out|end)"
    r"|(?:take|remove|delete|erase|wipe) "
    + _MY_NUMBER
    + r"(?: (?:off|from|out of)(?: (?:this|the|your|ur) (?:list|system|database|line|service|records|contacts))?)?"
    r"|(?:take|remove|delete) " + _MY_NUMBER + r" off"
    r"|(?:i )?(?:do not|dont|don t) want (?:any more |anymore |any |these |this |your |the |more )?"
    + _MESSAGES
    + r"(?: from (?:you|u|this number|this line))?"
    r"|cancel (?:these |the |this |all |my |your |all these |all the )?(?:" + _MESSAGES[3:-1] + r"|subscription)"
    r"|(?:stop|quit|cease) (?:texting|txting|messaging|msging|sending|contacting) (?:this|my) (?:number|phone|mobile)"
    r"|"
    r"(?:stop|quit|cease) (?:texting|txting|messaging|msging|sending|contacting|messages to|texts to)"
    r"(?: me| us)?(?: (?:these|this|them|messages|texts|any ?more messages|stuff))*"
    r"|stop (?:the |these |all )?(?:messages|texts)"
    r"|unsubscribe(?: me)?(?: from (?:this|the|your) (?:list|line|number|service|messages|texts))?"
    r"|(?:remove|take) me (?:off|from) (?:this|the|your|ur) (?:list|line|service|number|messages|texts)"
    r"|remove me|remove my number"
    r"|no more (?:messages|texts|text messages|msgs)"
    r"|(?:do not|dont|don t) (?:text|message|contact|txt) me"
    r"|i (?:want|would like|d like) to (?:unsubscribe|opt out)"
    r"|opt (?:me )?out"
    r")" + _MORE
)

# What a caller may say instead of pressing the keys that work on every menu.
# Longer phrases win over topic keywords ("text me the links" is not "links").
VOICE_COMMANDS = {
    "repeat": "repeat",
    "say again": "repeat",
    "say that again": "repeat",
    "again": "repeat",
    "hear it again": "repeat",
    "pardon": "repeat",
    "back": "back",
    "go back": "back",
    "previous": "back",
    "main menu": "main",
    "menu": "main",
    "start again": "main",
    "start over": "main",
    "the options": "main",
    "what are the options": "main",
    "slower": "slow",
    "slow down": "slow",
    "more slowly": "slow",
    "speak slowly": "slow",
    "text me the links": "links",
    "send me the links": "links",
    "text me": "text",
    "send me a text": "text",
    "by text": "text",
    "text it": "text",
    "send it": "text",
    "put me through": "transfer",
    "connect me": "transfer",
    "talk to someone": "transfer",
    "speak to someone": "transfer",
    "talk to a person": "transfer",
    "speak to a person": "transfer",
    "real person": "transfer",
    "an adviser": "transfer",
    "a human": "transfer",
    # What callers say to any phone menu to reach a person.
    "agent": "transfer",
    "operator": "transfer",
    "human being": "transfer",
    "an actual person": "transfer",
    "someone real": "transfer",
    "yes": "yes",
    "yeah": "yes",
    "correct": "yes",
    "that's right": "yes",
    "no": "no",
    "wrong": "no",
    "different number": "no",
    "bye": "goodbye",
    "goodbye": "goodbye",
    "bye bye": "goodbye",
    "thats all": "goodbye",
    "thats everything": "goodbye",
    "end the call": "goodbye",
    "hang up": "goodbye",
}
# Said on its own, "I don't know" asks for nothing: the line asks again and names
# Samaritans (never a page that happens to share the word "know"). Compared compacted.
NOT_KNOWING = frozenset(
    ["idontknow", "dontknow", "idk", "dunno", "idunno", "notsure", "imnotsure", "noidea", "ihavenoidea", "idontknowwhattosay"]
)
# A bare "no" texted asks for nothing either: a reply to a question no text asks (never
# the page of an example with "no" in it, "no one would care"). Not by voice, where the
# line does ask yes-or-no questions.
BARE_NO = frozenset(["no", "nope", "nah", "notreally", "nonotreally"])
# Keys as a speech recogniser may hear them: "one", "press 2", "option three".
DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "star": "*",
}
# A phone number is ten digits or more. Words holding more than this many digits, as
# digits or as a recogniser writes them down ("oh seven four..."), may hold one, so no
# cache keeps them: no number texted or said outlives its turn.
MOST_DIGITS_KEPT = 2
_NUMBER_WORDS = frozenset(
    [
        *(word for word, key in DIGIT_WORDS.items() if key.isdigit()),
        *"ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(),
        *"twenty thirty forty fifty sixty seventy eighty ninety hundred double triple".split(),
    ]
)
_LETTERS = re.compile(r"[a-z]+")


def may_hold_a_number(text: str) -> bool:
    """Whether ``text`` has more digits, or words for them, than any cache may keep: the
    words read whatever joins them ("oh-seven-four", "Oh. Seven. Four.", "seventy-four")."""
    digits = sum(c.isdigit() for c in text)
    if digits > MOST_DIGITS_KEPT:
        return True
    return digits + sum(w in _NUMBER_WORDS for w in _LETTERS.findall(text.lower())) > MOST_DIGITS_KEPT


_KEY_FILLER = frozenset(["press", "option", "number", "choice", "key", "the", "please"])
# Said around a command or a page's name without changing it ("um, helplines please").
_FILLERS = frozenset(
    [
        "please",
        "um",
        "uh",
        "er",
        "erm",
        "ah",
        "oh",
        "ok",
        "okay",
        "so",
        "just",
        "the",
        "thanks",
        "thank",
        "you",
        "can",
        "i",
        "have",
        "hear",
        "go",
        "to",
        "a",
    ]
)

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Fuzzy matching is for typos in a keyword, not for essays: past this length a
# message is matched word by word only, which also keeps junk cheap to answer.
_FUZZY_MAX = 40
_FUZZY_CUTOFF = 0.8


# The emergency number as a recogniser writes it down ("text nine nine nine"): the
# number, so that the page whose keyword is "text 999" is found, not the "text me" command.
_SPOKEN_999 = re.compile(r"\b(?:nine nine nine|triple nine)\b")


def normalise(text: str) -> str:
    """Lower case, accents folded, anything but letters and digits turned to spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = folded.encode("ascii", "ignore").decode()
    return _SPOKEN_999.sub("999", _NOT_WORD.sub(" ", ascii_only).strip())


def compact(text: str) -> str:
    """The message with no spaces at all: ``What to do?`` -> ``whattodo``."""
    return normalise(text).replace(" ", "")


class KeywordIndex:
    """Keywords to node ids, for one pack."""

    def __init__(self, keywords: dict[str, str]):
        self._exact = {compact(k): node for k, node in keywords.items() if compact(k)}
        # Longest first, so "how do I report it" finds "report", not "how".
        self._phrases = sorted(
            ((f" {normalise(k)} ", node) for k, node in keywords.items() if compact(k)),
            key=lambda item: -len(item[0]),
        )
        self._fuzzy = [k for k in self._exact if len(k) >= 4]

    def exact(self, text: str) -> str | None:
        """The node of a keyword said or sent as the whole message, fillers aside ("helplines please")."""
        whole = compact(text)
        if whole in self._exact:
            return self._exact[whole]
        words = [w for w in normalise(text).split() if w not in _FILLERS]
        return self._exact.get("".join(words)) if words else None

    def match(self, text: str) -> str | None:
        whole = compact(text)
        if not whole:
            return None
        if whole in self._exact:
            return self._exact[whole]
        padded = f" {normalise(text)} "
        for phrase, node in self._phrases:
            if phrase in padded:
                return node
        words = padded.split()
        # Shorter than any keyword worth a typo ("hi", "ok"): no close match to look for.
        candidates = [whole] if 4 <= len(whole) <= _FUZZY_MAX else []
        candidates += [w for w in words[:20] if len(w) >= 4 and w != whole]
        for candidate in candidates:
            close = difflib.get_close_matches(candidate, self._fuzzy, n=1, cutoff=_FUZZY_CUTOFF)
            if close:
                return self._exact[close[0]]
        return None


def opts_out(text: str) -> bool:
    """True when the whole message asks the line to stop texting ("stop texting me")."""
    return bool(OPT_OUT_PHRASES.fullmatch(normalise(re.sub(r"['\u2019]", "", text))))


def spoken_key(text: str) -> str | None:
    """The key a caller said (``"Press one."`` -> ``"1"``), or None if they said more."""
    words = [w for w in normalise(text.replace("*", " star ")).split() if w not in _KEY_FILLER]
    if len(words) != 1:
        return None
    word = words[0]
    if len(word) == 1 and word.isdigit():
        return word
    return DIGIT_WORDS.get(word)


def spoken_digits(text: str) -> str:
    """Every digit in ``text``, said or written: "oh seven 7 0 0" -> "07700"."""
    out = []
    for word in normalise(text).split():
        if word.isdigit():
            out.append(word)
        elif word in DIGIT_WORDS and DIGIT_WORDS[word].isdigit():
            out.append(DIGIT_WORDS[word])
    return "".join(out)
