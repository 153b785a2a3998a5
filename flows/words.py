"""A message as the plain words the line matches: case, accents and apostrophes folded,
text-speak spelled out ("u", "pls", "pics", "wat"), words that mean the same here made
one ("photos", "nudes", "pics" -> image; "mum", "dad", "carer" -> parent), an age read as
child or adult (a school year too: "in yr 9"), ways of saying one thing in several words
made one word (PHRASES: "take his own life", "can't cope", "taken pills" -> suicide;
"get rid of", "taken down" -> remove), and "ok"/"thanks" before a question dropped as
manners. ``flows.understand`` stems and weighs what this returns.

Kept as tables, not learned: each entry is a way people write that the line must not
miss (a safeguarding read of the line found the indirect ways of speaking of risk), and
an editor can read and extend them.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from flows.crisis import ALONE, CRISIS_PHRASES, EMOJI, NOT_CRISIS, RISK, joined, near

# The tables below are laid out for the editors who read and extend them, a family or a
# kind of phrase a line: the formatter would put one word a line and hide them.
# fmt: off

# Words that carry no meaning of their own here: never a feature alone (they still
# make phrases: "what to do", "how it happens").
STOP_WORDS = frozenset("""
a an the and or but so if of to in on at for from with by as about into than then
i me my mine myself we us our you your yours he him his she her it its they them their
this that these those there here what which who whom whose how when where why
is are was were be been being am does did done have has had having
can could would will shall should may might must just really very also still now
please dear not
""".split())
# What is done to "do" matters ("what do I do"), so it is not a stop-word in a phrase,
# but it is too common to be one alone; the same for these.
WEAK_WORDS = frozenset(["do", "get", "got", "need", "want", "know", "tell", "say", "said"])

# Text-speak and contractions, spelled out before anything else.
# Ages and school years as a speech recogniser writes them ("I'm fourteen", "year
# nine"): read as digits, as a text would have them.
NUMBER_WORDS = {word: str(n) for n, word in enumerate(
    ["six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
     "sixteen", "seventeen", "eighteen", "nineteen"], 6)}
TEXT_SPEAK = {
    **NUMBER_WORDS,
    "u": "you", "ur": "your", "r": "are", "ya": "you", "yr": "year", "yrs": "years",
    "pls": "please", "plz": "please", "plzz": "please", "pleas": "please", "pl": "please",
    "wat": "what", "wot": "what", "wht": "what", "wut": "what", "whats": "what is",
    "shud": "should", "shld": "should", "shuld": "should", "wud": "would", "cud": "could",
    "im": "i am", "ive": "i have", "id": "i would", "ill": "i will", "hes": "he is",
    "shes": "she is", "theyre": "they are", "theyll": "they will", "theyve": "they have",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "wont": "will not", "isnt": "is not", "shouldnt": "should not",
    "wasnt": "was not", "werent": "were not", "couldnt": "could not", "wouldnt": "would not",
    "havent": "have not", "hasnt": "has not", "arent": "are not",
    "pic": "picture", "pics": "pictures", "pix": "pictures", "piccy": "picture",
    "piccies": "pictures", "vid": "video", "vids": "videos",
    "txt": "text", "txts": "texts", "msg": "message",
    "msgs": "messages", "mssg": "message", "ppl": "people", "sum1": "someone",
    "some1": "someone", "any1": "anyone", "ne1": "anyone", "no1": "no one",
    "noone": "no one", "nobody": "no one", "every1": "everyone", "thx": "thanks",
    "thnx": "thanks", "thanx": "thanks", "tx": "thanks", "ty": "thank you",
    "ta": "thanks", "cheers": "thanks", "b4": "before", "bc": "because",
    "cos": "because", "coz": "because", "cuz": "because", "y": "why", "n": "and",
    "gr8": "great", "num": "number", "numbr": "number", "tel": "phone",
    "dsl": "designated safeguarding lead", "yr10": "year 10", "k": "ok",
    "kms": "kill myself", "wanna": "want to", "gonna": "going to", "imma": "i am going to",
    "b": "be", "tonite": "tonight", "2day": "today", "2nite": "tonight", "aint": "am not",
    "wats": "what is", "rlly": "really", "idk": "i do not know", "easyest": "easiest",
    # Words written without their last "g" ("cuttin", "jumpin"): the ones that matter here.
    **{word[:-1]: word for word in ["cutting", "jumping", "trying", "thinking", "saying", "seeing",
                                    "taking", "going", "doing", "nothing", "something", "hurting",
                                    "killing", "ending", "living", "dying", "feeling", "talking",
                                    "walking", "getting", "keeping", "saving"]},
    "skl": "school", "d1e": "die", "kil": "kill", "myslf": "myself", "mysef": "myself",
}

# Words that mean the same here, as one word, so an example written with "photos"
# also answers "pics" and "nudes", and "my son" reads like "my daughter". Kept to
# what the pages hinge on: who is texting, about whom, and the images.
CONCEPTS = {
    **dict.fromkeys(["picture", "pictures", "photo", "photos", "image", "images", "nude",
                     "nudes", "video", "videos", "selfie", "selfies", "snaps", "screenshot",
                     "screenshots", "imagery", "pic", "pics"], "image"),
    **dict.fromkeys(["blackmail", "blackmailed", "blackmailing", "extort", "extorted",
                     "extorting", "sextorted", "sextorting", "threaten", "threatened",
                     "threatening", "threat", "threats"], "blackmail"),
    **dict.fromkeys(["son", "daughter", "stepson", "stepdaughter", "grandson",
                     "granddaughter", "boy", "girl", "lad", "kid", "kids", "child", "children",
                     "sons", "daughters", "boys", "girls", "lads",
                     "teen", "teenager", "teenagers"], "child"),
    **dict.fromkeys(["pupil", "pupils", "student", "students", "learner", "learners",
                     "yp", "player", "players"], "pupil"),
    # Who is texting, when it is a professional: the steps are for them.
    **dict.fromkeys(["teacher", "teachers", "ta", "headteacher", "coach", "nurse", "tutor",
                     "senco", "mentor", "counsellor", "practitioner",
                     "staff", "colleague", "colleagues", "keyworker"], "teacher"),
    **dict.fromkeys(["mum", "mom", "mother", "dad", "father", "parent", "parents", "carer",
                     "carers", "stepdad", "stepmum", "foster", "grandparent", "grandmother",
                     "grandfather", "nan", "grandad", "guardian"], "parent"),
    **dict.fromkeys(["remove", "removed", "removing", "delete", "deleted", "deleting",
                     "removal", "wipe", "wiped", "wiping"], "remove"),
    **dict.fromkeys(["ring", "phone", "call", "calling", "phoning"], "call"),
    **dict.fromkeys(["speak", "talk", "chat"], "talk"),
    **dict.fromkeys(["suicide", "suicidal", "suicides"], "suicide"),
    # Whether a machine or a person answers: "a bot", "a human", "automated" ask one thing.
    **dict.fromkeys(["bot", "bots", "robot", "chatbot", "automated", "automatic", "auto",
                     "machine", "computer", "ai", "human", "humans", "automatically"], "automated"),
    **dict.fromkeys(["forward", "forwarded", "attach", "attached", "attaching"], "send"),
}

# Ways of saying one thing in several words, made the one word the pages hinge on, so
# an example needs writing once: every way of speaking of suicide or self-harm is
# "suicide" (and that word decides the page, see RISK), every way of asking for images
# to go is "remove". Matched on whole words after text-speak is spelled out.
PHRASES: dict[tuple[str, ...], str] = {
    **CRISIS_PHRASES,
    **NOT_CRISIS,
    # The emergency number as a recogniser writes it down.
    **dict.fromkeys([("nine", "nine", "nine"), ("triple", "nine")], "999"),
    **dict.fromkeys([("sexual", "extortion"), ("sexually", "extorted"), ("sex", "extortion"),
                     ("sexual", "blackmail"), ("sexually", "coerced", "extortion"),
                     ("financially", "motivated", "sexual", "extortion")], "sextortion"),
    **dict.fromkeys([("head", "teacher"), ("deputy", "head"), ("teaching", "assistant"),
                     ("school", "nurse"), ("form", "tutor"), ("class", "teacher"),
                     ("learning", "mentor"), ("pastoral", "lead"), ("head", "of", "year")],
                    "teacher"),
    **dict.fromkeys([("get", "rid", "of"), ("got", "rid", "of"), ("getting", "rid", "of"),
                     ("take", "down"), ("taken", "down"), ("took", "down"), ("taking", "down"),
                     ("take", "them", "down"), ("take", "it", "down"), ("taken", "off"),
                     ("take", "off"), ("took", "off"), ("pull", "down"), ("pulled", "down")],
                    "remove"),
}
_LONGEST_PHRASE = max(len(k) for k in PHRASES)

ACKNOWLEDGEMENTS = frozenset(["ok", "okay", "thanks", "thank", "you", "cheers", "right",
                              "great", "brilliant", "lovely", "cool", "yeah", "yes", "fine",
                              "alright", "hi", "hello", "hiya", "morning"])
QUESTION = frozenset(["what", "how", "who", "where", "when", "why", "which", "can", "could",
                      "should", "do", "does", "is", "are", "will", "would"])

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
# Where a sentence ends: a full stop, question or exclamation mark before a space (not
# the dot in "07.41" or "2.50"), or a new line.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Past this many words a message is an essay: the rest is not matched (and stays
# cheap), though it is still read for words of crisis: risk may come last ("...and I
# want to kill myself"). Past READ_AT_MOST words nothing is read at all (a text is at
# most 1,600 characters, so only a forged request gets there).
MAX_WORDS = 60
READ_AT_MOST = 600


def words(text: str) -> list[str]:
    """The message as plain lower-case words, text-speak spelled out."""
    for emoji, word in EMOJI.items():
        text = text.replace(emoji, f" {word} ")
    folded = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text.casefold()))
    sentences: list[list[str]] = []
    read = 0
    for sentence in _SENTENCE_END.split(folded):
        plain = _NOT_WORD.sub(" ", sentence.encode("ascii", "ignore").decode()).split()[:READ_AT_MOST - read]
        read += len(plain)
        sentences.append([spelled for word in plain for spelled in TEXT_SPEAK.get(word, word).split()])
    alone = _unkissed(joined([w for said in sentences for w in said])) in _alone()
    # A phrase is read within its sentence: "My son has gone missing. His phone..." is a
    # child missing, not "missing his phone".
    out = [w for said in sentences for w in _phrases(joined(said))]
    # After the phrases, so that "paracetamol for my headache" is no longer a dose.
    at_risk = alone or near(out) or RISK in out[MAX_WORDS:]
    out = out[:MAX_WORDS] + ([RISK] if at_risk and RISK not in out[:MAX_WORDS] else [])
    # "ok", "thanks" before a question are manners, not the message ("ok so who do I
    # tell"): dropped when a question of three words or more follows, so "thanks so much"
# and "thanks for your help" stay thanks.
    start = 0
    while start < len(out) and out[start] in ACKNOWLEDGEMENTS:
        start += 1
    if start and len(out) - start >= 3 and not QUESTION.isdisjoint(out[start:]):
        out = out[start:]
    return [_age(out, i) if w.isdigit() else CONCEPTS.get(w, w) for i, w in enumerate(out)]


_KISSES = re.compile(r"x+")


def _unkissed(said: list[str]) -> tuple[str, ...]:
    """The words without the kisses that end a text ("sorry mum xx")."""
    end = len(said)
    while end and _KISSES.fullmatch(said[end - 1]):
        end -= 1
    return tuple(said[:end])


@functools.cache
def _alone() -> frozenset[tuple[str, ...]]:
    """crisis.ALONE as ``words`` reads a message, before its phrases are made one word."""
    read = []
    for message in ALONE:
        said: list[str] = []
        for word in _NOT_WORD.sub(" ", message).split():
            said.extend(TEXT_SPEAK.get(word, word).split())
        read.append(_unkissed(joined(said)))
    return frozenset(read)


def _phrases(said: list[str]) -> list[str]:
    """Each phrase of PHRASES replaced by its one word, longest first."""
    out: list[str] = []
    i = 0
    while i < len(said):
        for n in range(min(_LONGEST_PHRASE, len(said) - i), 0, -1):
            concept = PHRASES.get(tuple(said[i:i + n]))
            if concept:
                out.append(concept)
                i += n
                break
        else:
            out.append(said[i])
            i += 1
    return out


# The words that may stand before a texter's own age ("hi, just turned 18 and...", "only 15
# and scared", "I'm only 14"), and after an age that opens a message, the word that makes
# it theirs ("17 and my ex is threatening...": "17 year old boy..." is someone else).
_OWN_AGE_BEFORE = frozenset(["only", "just", "turned", "now", "have"])
_GREETINGS = frozenset(["hi", "hey", "hello", "hiya"])
_OWN_AGE_AFTER = frozenset(["and", "now"])


def _own_age(said: list[str], i: int) -> bool:
    """Whether the age at ``i`` is the texter's own: said with "I'm" ("I'm only 14"), or
    opening the message ("17 and my ex...", "hi, just turned 18 and...") when no child of
    theirs and no other age follows ("15 and my son is being...", "14 and 15 year olds")."""
    before = said[:i]
    while before and before[0] in _GREETINGS:
        before = before[1:]
    mine = before[:]
    while mine and mine[-1] in _OWN_AGE_BEFORE:
        mine = mine[:-1]
    if mine[-2:] == ["i", "am"]:
        return True
    if mine and mine != ["i"]:
        return False
    after = said[i + 1:i + 4]
    theirs = any(a in ("my", "our") and CONCEPTS.get(b) in ("child", "pupil") for a, b in zip(after, after[1:]))
    if theirs or any(w.isdigit() for w in after):
        return False
    return "turned" in before or after[:1] != [] and after[0] in _OWN_AGE_AFTER


# A texter's own age said outright, as a word: under 18, then 18 or over.
SELF_AGES = ("iamchild", "iamadult")
# Whether a message speaks of the texter, or only of someone else ("year 9 boy says
# someone has nudes of him" is a professional or a parent, not the boy).
FIRST_PERSON = frozenset(["i", "me", "my", "mine", "myself", *SELF_AGES])
THIRD_PERSON = frozenset(["he", "him", "his", "himself", "she", "her", "hers", "herself"])


def _age(said: list[str], i: int) -> str:
    """An age said in a message ("I'm 15", "my 15 year old") as the word for who
    that is: a child is one page, an adult another, whatever the number."""
    before, after = said[max(i - 2, 0):i], said[i + 1:i + 2]
    if _own_age(said, i):
        # Who is texting, said outright ("I'm 15"): rarer, and so weightier, than an age
        # of someone else ("my 15 year old"), and the surest sign of whose page it is.
        return "iamchild" if int(said[i]) < 18 else "iamadult"
    if before[-1:] == ["aged"] or after[:1] in (["year"], ["years"], ["yo"]):
        return "child" if int(said[i]) < 18 else "adult"
    if before[-1:] == ["year"] and 1 <= int(said[i]) <= 13:
        # A school year ("in year 11", "yr 9") is a child's.
        return "child"
    return said[i]
