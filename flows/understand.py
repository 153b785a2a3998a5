"""Which page a free-text message asks for, and how sure the line is.

People do not text keywords: they write "wat do i do", "how do I get the pictures
taken down", "is anyone there?". Each page of a pack lists example phrasings
(``examples`` in ``messages/``); a message is matched against them.

How, and why this way (measured on ``tests/flows/understand_cases.toml``, the
evaluation set; ``signpost check`` and ``tests/load/understanding.py`` print the figures):

- A keyword of a page sent as the whole message (``HELPLINE``, ``how``) is that page,
  exactly and surely, as before; everything else is matched as follows.
- Words are normalised first: case, accents and apostrophes folded, text-speak
  spelled out ("u", "pls", "pics", "wat"), words that mean the same here made one
  ("photos", "nudes", "pics" -> image; "mum", "dad", "carer" -> parent), an age
  read as child or adult (a school year too: "in yr 9"), ways of saying one thing in
  several words made one word (PHRASES: "take his own life", "better off dead",
  "self harming" -> suicide; "get rid of", "taken down" -> remove; "sexual
  extortion" -> sextortion), "ok"/"thanks" before a question dropped as manners,
  each word reduced to its stem (Snowball), and a word
  the pack never uses corrected to the closest one it does when a slip or two
  apart with the same first letter ("helpine" -> "helpline"; rapidfuzz's optimal
  string alignment distance, which counts a swapped pair as one slip).
- A message and every example become weighted features: content words, and every
  pair of neighbouring words (a phrase) weighted above a single word, so "what to
  do" outweighs "what" and "to". Weights are inverse page frequency: a word many
  pages use ("child", "image") says little about which page is meant; a stop-word
  ("how", "what", "is") is never a feature on its own, and a word is only ever
  matched whole, never inside another.
- A page's score blends the cosine similarity to its nearest example with the
  similarity to all its examples together (half each). Words the pack never uses
  still count in the message's length, so one known word in a long unrelated
  sentence is not a confident match.
- Risk first: a message that speaks of suicide or self-harm anywhere (the RISK word
  after normalising) is the page for someone at risk, surely, whatever else it says: a
  teacher's "a pupil wants to end his life, what do I do" needs 999 and Samaritans
  before the steps.
- The line is *sure* only when the best page scores at least ``MIN_SCORE`` and the
  next page scores at most ``MAX_RATIO`` of it (``CAREFUL_RATIO`` when both are pages
  of the short question: a professional, a young person, a parent, someone at risk,
  where a wrong guess hurts most); otherwise the outcome is unsure
  and the SMS flow answers with a short question (the pack's ``unsure_menu``: the
  steps, the pages for a young person, a parent and someone at risk, helplines),
  or the main menu when nothing in the text is known. A confidently wrong page is
  the worst answer a safeguarding line can give; a question costs a moment.

Why this and not another (the evaluation set's tuning part, and 5-fold
cross-validation over the pack's own examples: right / confidently wrong):
the nearest example alone 93.1%, cross-validated 60% / 13%; all of a page's
examples as one bag (the same weights, one vector a page) 81.9% with 2
confident wrong pages on safety cases, 48% / 8%; the blend 94.6%, 59% / 10%, and
no confident wrong page on a safety case. A sentence-embedding model was not
tried: every one small enough needs PyTorch (gigabytes) and a download of its
weights, and an editor could no longer fix a wrong answer by adding an example.
Generalising (5-fold cross-validation over the shipped pack's examples, right /
confidently wrong; the tuning part of the evaluation set): the normalising above and
the risk rule took the same examples from 54.3% / 8.9% to 58.0% / 8.1%, tuning 94.6%
to 96.1%. ``CAREFUL_RATIO`` 0.7 rather than ``MAX_RATIO`` 0.8 between the pages of the
short question gave up 3 tuning texts (to the question, not a wrong page) and 0.5
points right in cross-validation for 0.7 points fewer confident wrong answers; other
``MIN_SCORE``/``MAX_RATIO`` pairs only traded one for the other, so they stayed.
On a blind set written before anyone read the examples
(``tests/flows/understand_blind.toml``, never tuned on) the line understood 76.7%
before these changes and 86.0% after.
Matching takes about half a millisecond a message (``tests/load/understanding.py``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from flows.keywords import compact

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
TEXT_SPEAK = {
    "u": "you", "ur": "your", "r": "are", "ya": "you", "yr": "year", "yrs": "years",
    "pls": "please", "plz": "please", "plzz": "please", "pleas": "please", "pl": "please",
    "wat": "what", "wot": "what", "wht": "what", "wut": "what", "whats": "what is",
    "shud": "should", "shld": "should", "shuld": "should", "wud": "would", "cud": "could",
    "im": "i am", "ive": "i have", "id": "i would", "ill": "i will", "hes": "he is",
    "shes": "she is", "theyre": "they are", "theyll": "they will", "theyve": "they have",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "wont": "will not", "isnt": "is not", "shouldnt": "should not",
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
                     "removal"], "remove"),
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
_SELVES = ["myself", "himself", "herself", "themselves", "themself", "yourself", "ourselves"]
_OWNERS = ["my", "his", "her", "their", "your", "our"]
PHRASES: dict[tuple[str, ...], str] = {
    **{(verb, self): "suicide" for verb in ["kill", "killing", "killed", "kills", "hurt", "hurting",
                                            "hurts", "harm", "harming", "harms", "cut", "cutting",
                                            "cuts", "injure", "injuring", "hang", "hanging"]
       for self in _SELVES},
    **{(verb, owner, *noun): "suicide" for verb in ["end", "ending", "ended", "ends", "take",
                                                    "taking", "took", "takes"]
       for owner in _OWNERS for noun in [("life",), ("lives",), ("own", "life"), ("own", "lives")]},
    **dict.fromkeys([("end", "it", "all"), ("ending", "it", "all"), ("ended", "it", "all"),
                     ("want", "to", "die"), ("wants", "to", "die"), ("wanted", "to", "die"),
                     ("wanna", "die"), ("better", "off", "dead"), ("rather", "be", "dead"),
                     ("wish", "i", "was", "dead"), ("wish", "i", "were", "dead"),
                     ("self", "harm"), ("self", "harming"), ("self", "harmed"),
                     ("selfharm",), ("selfharming",), ("overdose",), ("overdosed",),
                     ("want", "to", "live"), ("wants", "to", "live"), ("worth", "living"),
                     ("reason", "to", "live"), ("point", "living"), ("point", "in", "living"),
                     ("can", "not", "go", "on"), ("not", "be", "alive"), ("to", "be", "alive"),
                     ("not", "be", "here", "anymore"), ("no", "longer", "be", "here"),
                     *[("can", "not", "take", it, *more) for it in ["it", "this", "any"]
                       for more in [("anymore",), ("any", "more")]],
                     # Said indirectly (a safeguarding read of the line found each missed):
                     # an overdose, not coping, wanting it to stop, not waking up, danger now.
                     *[(verb, *what) for verb in ["taken", "took", "take", "swallowed", "had"]
                       for what in [("pills",), ("tablets",), ("too", "many", "pills"),
                                    ("too", "many", "tablets"), ("something",), ("an", "overdose")]],
                     ("can", "not", "cope"), ("not", "coping"), ("cope", "anymore"), ("cope", "any", "more"),
                     *[("can", "not", "do", it, *more) for it in ["this", "it"]
                       for more in [("anymore",), ("any", "more"), ()]],
                     ("unalive",), ("unaliving",), ("no", "point", "anymore"), ("no", "point", "any", "more"),
                     ("no", "point", "in", "anything"), ("no", "point", "in", "life"),
                     ("want", "it", "to", "stop"), ("want", "it", "all", "to", "stop"),
                     ("want", "it", "all", "to", "end"), ("want", "everything", "to", "stop"),
                     ("never", "wake", "up"), ("not", "wake", "up"), ("sleep", "forever"),
                     ("rather", "die"), ("rather", "not", "be", "here"), ("disappear", "forever"),
                     ("better", "off", "without", "me"), ("if", "i", "was", "gone"),
                     ("if", "i", "were", "gone"), ("no", "one", "would", "care"), ("no", "one", "would", "miss"),
                     ("goodbye", "note"), ("suicide", "note"), ("written", "a", "note"),
                     ("not", "safe"), ("in", "danger"), ("sos",), ("outside", "my", "house"),
                     ("outside", "my", "door"), ("shout",)],
                    "suicide"),
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
# The concept that decides the page by itself: a message that speaks of suicide or
# self-harm gets the page for someone at risk, whatever else it says (risk first; the
# page gives 999 before anything else), never the steps or a parent's page.
RISK = "suicide"

ACKNOWLEDGEMENTS = frozenset(["ok", "okay", "thanks", "thank", "you", "cheers", "right",
                              "great", "brilliant", "lovely", "cool", "yeah", "yes", "fine",
                              "alright", "hi", "hello", "hiya", "morning"])
QUESTION = frozenset(["what", "how", "who", "where", "when", "why", "which", "can", "could",
                      "should", "do", "does", "is", "are", "will", "would"])

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Phrases weigh this much more than a single word of the same rarity.
PHRASE_WEIGHT = 1.5
# Past this many words a message is an essay: the rest is not read (and stays cheap).
MAX_WORDS = 60


def words(text: str) -> list[str]:
    """The message as plain lower-case words, text-speak spelled out."""
    folded = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text.casefold()))
    plain = _NOT_WORD.sub(" ", folded.encode("ascii", "ignore").decode()).split()
    out: list[str] = []
    for word in plain[:MAX_WORDS]:
        out.extend(TEXT_SPEAK.get(word, word).split())
    out = _phrases(out)
    # "ok", "thanks" before a question are manners, not the message ("ok so who do I
    # tell"): dropped when a question of three words or more follows, so "thanks so much"
# and "thanks for your help" stay thanks.
    start = 0
    while start < len(out) and out[start] in ACKNOWLEDGEMENTS:
        start += 1
    if start and len(out) - start >= 3 and not QUESTION.isdisjoint(out[start:]):
        out = out[start:]
    return [_age(out, i) if w.isdigit() else CONCEPTS.get(w, w) for i, w in enumerate(out)]


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


def _age(said: list[str], i: int) -> str:
    """An age said in a message ("I'm 15", "my 15 year old") as the word for who
    that is: a child is one page, an adult another, whatever the number."""
    before, after = said[max(i - 2, 0):i], said[i + 1:i + 2]
    if before[-2:] == ["i", "am"] or before[-1:] == ["aged"] or after[:1] in (["year"], ["years"], ["yo"]):
        return "child" if int(said[i]) < 18 else "adult"
    if before[-1:] == ["year"] and 1 <= int(said[i]) <= 13:
        # A school year ("in year 11", "yr 9") is a child's.
        return "child"
    return said[i]


@dataclass(frozen=True)
class Match:
    """What the matcher made of a message.

    node: the best page (None when nothing in the message is known to the pack).
    score: how close it is to that page's examples, 0 to 1.
    runner_up: the next page's score.
    sure: whether to answer with ``node``; when False the line is unsure.
    """

    node: str | None
    score: float = 0.0
    runner_up: float = 0.0
    sure: bool = False


class Understanding:
    """Example phrasings per page, ready to match messages against; one per pack."""

    # Chosen on the evaluation set's tuning part and cross-validation over the
    # examples, for the fewest confident wrong answers at 90% or more understood.
    MIN_SCORE = 0.10
    MAX_RATIO = 0.8
    # How much of a page's score is its examples taken together (the rest: the nearest one).
    TOGETHER = 0.5

    # Between two of the ``careful`` pages (who is texting: a professional, a young
    # person, a parent) a wrong answer does the most harm, so the line must be surer.
    CAREFUL_RATIO = 0.7

    def __init__(self, examples: dict[str, list[str]], keywords: dict[str, str] | None = None,
                 careful: frozenset[str] = frozenset()):
        self._careful = careful
        # A keyword sent as the whole message is a choice, made on purpose: exact, and
        # sure, even a keyword made of common words ("how", "what is it"). Inside a
        # sentence those words never count alone (see _features).
        self._keywords = {compact(k): node for k, node in (keywords or {}).items() if compact(k)}
        self._stemmer = snowballstemmer.stemmer("english")
        self._stems: dict[str, str] = {}
        surface = {w for phrases in examples.values() for p in phrases for w in words(p)}
        # Only words worth correcting towards: an unknown word is never "corrected"
        # into a stop-word ("hows" is not "how").
        self._vocabulary = sorted(w for w in surface if w not in STOP_WORDS and len(w) >= 3)
        self._known = frozenset(surface)
        raw = {node: [self._features(p) for p in phrases] for node, phrases in examples.items()}
        # The page whose examples speak of risk most often (the self-harm page), if any.
        risky = {node: sum(self._stem(RISK) in fs for fs in feature_sets) for node, feature_sets in raw.items()}
        self._risk_page = max(risky, key=risky.get) if any(risky.values()) else None
        pages_with: dict[str, int] = {}
        for node, feature_sets in raw.items():
            for feature in set().union(*feature_sets) if feature_sets else ():
                pages_with[feature] = pages_with.get(feature, 0) + 1
        pages = max(len(raw), 1)
        self._idf = {f: math.log((pages + 1) / (n + 0.5)) for f, n in pages_with.items()}
        # An unknown feature weighs as much as the rarest known one.
        self._unknown = math.log((pages + 1) / 0.5)
        self._examples = [
            (node, vector, _norm(vector))
            for node, feature_sets in raw.items()
            for vector in (self._weigh(fs) for fs in feature_sets)
            if vector
        ]
        # Each page's examples together: the sum of their unit vectors.
        together: dict[str, dict[str, float]] = {}
        for node, vector, norm in self._examples:
            page = together.setdefault(node, {})
            for f, w in vector.items():
                page[f] = page.get(f, 0.0) + w / norm
        self._together = {node: (page, _norm(page)) for node, page in together.items()}

    def _stem(self, word: str) -> str:
        if word not in self._stems:
            self._stems[word] = self._stemmer.stemWord(word)
        return self._stems[word]

    def _correct(self, word: str) -> str:
        """A word the pack never uses, corrected to the closest one it does (or kept)."""
        if word in self._known or word in STOP_WORDS or len(word) < 4 or not word.isalpha():
            return word
        slips = 1 if len(word) <= 5 else 2
        found = process.extractOne(
            word, self._vocabulary, scorer=OSA.distance, score_cutoff=slips,
        )
        if not found or found[0][0] != word[0] or abs(len(found[0]) - len(word)) > 1:
            return word
        # A short word one letter different is usually another word ("dead" is not
        # "deaf"): for those only a letter missing, added or swapped is a slip.
        if len(word) <= 5 and len(found[0]) == len(word) and sorted(found[0]) != sorted(word):
            return word
        return found[0]

    def _features(self, text: str) -> dict[str, float]:
        """Content words and neighbouring pairs, each counted once; weights come later."""
        plain = [self._correct(w) for w in words(text)]
        # Whether a word is a stop-word is decided before stemming ("does" stems to "doe").
        stop = [w in STOP_WORDS for w in plain]
        tokens = [self._stem(w) for w in plain]
        features: dict[str, float] = {}
        for word, is_stop, surface in zip(tokens, stop, plain):
            if not is_stop:
                features[word] = 0.5 if surface in WEAK_WORDS else 1.0
        for i in range(len(tokens) - 1):
            if not (stop[i] and stop[i + 1]):
                features[f"{tokens[i]} {tokens[i + 1]}"] = PHRASE_WEIGHT
        return features

    def _weigh(self, features: dict[str, float]) -> dict[str, float]:
        return {f: w * self._idf.get(f, self._unknown) for f, w in features.items()}

    @property
    def risk_page(self) -> str | None:
        """The page for someone at risk (the one whose examples speak of risk most)."""
        return self._risk_page

    def speaks_of_risk(self, text: str) -> bool:
        """Whether ``text`` speaks of suicide or self-harm anywhere (risk first, by voice too)."""
        return self._stem(RISK) in self._features(text)

    def match(self, text: str) -> Match:
        exact = self._keywords.get(compact(text)) or self._keywords.get("".join(words(text)))
        if exact:
            return Match(exact, 1.0, 0.0, True)
        features = self._features(text)
        if self._risk_page and self._stem(RISK) in features:
            return Match(self._risk_page, 1.0, 0.0, True)
        vector = self._weigh(features)
        if not any(f in self._idf for f in vector if " " not in f):
            # Nothing but stop-words, or only words the pack never uses: unsure.
            return Match(None)
        norm = _norm(vector)
        best: dict[str, float] = {}
        for node, example, example_norm in self._examples:
            shared = sum(w * example[f] for f, w in vector.items() if f in example)
            if shared:
                score = shared / (norm * example_norm)
                if score > best.get(node, 0.0):
                    best[node] = score
        if not best:
            return Match(None)
        for node, nearest in best.items():
            page, page_norm = self._together[node]
            overall = sum(w * page[f] for f, w in vector.items() if f in page) / (norm * page_norm)
            best[node] = (1 - self.TOGETHER) * nearest + self.TOGETHER * overall
        ranked = sorted(best.items(), key=lambda item: -item[1])
        node, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        ratio = self.MAX_RATIO
        if len(ranked) > 1 and node in self._careful and ranked[1][0] in self._careful:
            ratio = self.CAREFUL_RATIO
        sure = score >= self.MIN_SCORE and runner_up <= score * ratio
        return Match(node, round(score, 3), round(runner_up, 3), sure)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values())) or 1.0
