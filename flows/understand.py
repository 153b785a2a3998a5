"""Which page a free-text message asks for, and how sure the line is.

People do not text keywords: they write "wat do i do", "how do I get the pictures
taken down", "is anyone there?". Each page of a pack lists example phrasings
(``examples`` in ``messages/``); a message is matched against them:

- A keyword of a page sent as the whole message (``HELPLINE``, ``how``) is that page.
- Otherwise the message's words (``flows.words``: normalised, text-speak spelled out,
  phrases made one word) are stemmed (Snowball), and a word the pack never uses is
  corrected to the closest one it does when a slip or two apart ("helpine").
- A message and every example become weighted features: content words and pairs of
  neighbouring words, weighted by inverse page frequency; a stop-word is never a
  feature alone. A page's score blends the similarity to its nearest example with the
  similarity to all its examples together.
- Risk first: a message that speaks of crisis anywhere, in words the tables know
  (``flows.crisis``) or as the risk model reads it (``flows.risk_model``), is the page
  for someone at risk, surely, whatever else it says.
- Where the pack has a page model (``flows.page_model``, learnt from every example at
  once), it names the page, among those the rules above leave, and the nearest examples
  second it: see ``_read_by_model``. Without one:
- The line is *sure* only when the best page scores at least ``MIN_SCORE`` and the
  next at most ``MAX_RATIO`` of it (``CAREFUL_RATIO`` between the pages of the short
  question, where a wrong guess hurts most); otherwise the SMS flow asks a short
  question. A confidently wrong page is the worst answer a safeguarding line can give.

Why this method, and the figures behind each choice: docs/understanding.md.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from flows.keywords import compact, may_hold_a_number
from flows.page_model import PageModel
from flows.risk_model import RiskModel
from flows.words import FIRST_PERSON, RISK, SELF_AGES, STOP_WORDS, THIRD_PERSON, WEAK_WORDS, words

# Phrases weigh this much more than a single word of the same rarity.
PHRASE_WEIGHT = 1.5
LETTER_RUNS = range(3, 6)
_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=8192)
def _stem_word(word: str) -> str:
    """A word's stem, remembered for the words people use most (a bounded cache)."""
    return _STEMMER.stemWord(word)


@dataclass(frozen=True)
class Match:
    """What the matcher made of a message.

    node: the best page (None when nothing in the message is known to the pack).
    score: how close it is to that page's examples, 0 to 1.
    runner_up: the next page's score.
    sure: whether to answer with ``node``; when False the line is unsure.
    second: the next page (the one ``runner_up`` scores), for a question between the two.
    close: unsure only because ``node`` and ``second`` are close, both likely: a question
        between the two answers it better than the whole menu.
    """

    node: str | None
    score: float = 0.0
    runner_up: float = 0.0
    sure: bool = False
    second: str | None = None
    close: bool = False


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
    # A page is the texter's own when this share of its examples or more speak of "I".
    OWN_PAGE_SHARE = 0.9
    # With a page model (flows.page_model): its best page is the answer when it is this many
    # times as likely as the next, and either this likely on its own or, when the matcher's
    # nearest examples point to the same page, this likely. Chosen on the evaluation set
    # and the earlier held-out sets (docs/understanding.md).
    MODEL_AHEAD = 1.3
    MODEL_SURE = 0.5
    MODEL_AGREED = 0.25
    # Unsure between two pages that together are more likely than not: the line asks
    # between those two, not with the whole menu.
    PAIR_SHARE = 0.5

    def __init__(
        self,
        examples: dict[str, list[str]],
        keywords: dict[str, str] | None = None,
        careful: frozenset[str] = frozenset(),
        risk_model: RiskModel | None = None,
        page_model: PageModel | None = None,
    ):
        self._careful = careful
        self._risk_model = risk_model
        self._page_model = page_model
        # A keyword sent as the whole message is a choice, made on purpose: exact, and
        # sure, even a keyword made of common words ("how", "what is it"). Inside a
        # sentence those words never count alone (see _features).
        self._keywords = {compact(k): node for k, node in (keywords or {}).items() if compact(k)}
        surface = {w for phrases in examples.values() for p in phrases for w in words(p)}
        # Only words worth correcting towards: an unknown word is never "corrected"
        # into a stop-word ("hows" is not "how").
        self._vocabulary = sorted(w for w in surface if w not in STOP_WORDS and len(w) >= 3)
        self._known = frozenset(surface)
        raw = {node: [self._features(p) for p in phrases] for node, phrases in examples.items()}
        # The page whose examples speak of risk most often (the self-harm page), if any.
        risky = {node: sum(self._stem(RISK) in fs for fs in feature_sets) for node, feature_sets in raw.items()}
        self._risk_page = max(risky, key=lambda node: risky[node]) if any(risky.values()) else None
        # Whose page an age said outright rules out: the pages whose examples say "I'm 30"
        # more than "I'm 15" are an adult's, and a texter who says they are 15 is not on one.
        said = {age: {node: sum(self._stem(age) in fs for fs in feature_sets) for node, feature_sets in raw.items()} for age in SELF_AGES}
        self._ruled_out = {
            age: frozenset(node for node in raw if said[other][node] > said[age][node])
            for age, other in zip(SELF_AGES, reversed(SELF_AGES))
        }
        # A page whose examples nearly all speak of the texter ("I", "me", "my": the young
        # person's own page) is not for a message that speaks only of someone else.
        in_first_person = {
            node: sum(bool(FIRST_PERSON & set(words(p))) for p in phrases) / len(phrases) for node, phrases in examples.items() if phrases
        }
        self._own_pages = frozenset(node for node, share in in_first_person.items() if share >= self.OWN_PAGE_SHARE)
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
        # Which examples hold each feature, so a message is compared only with the examples
        # that share a feature with it: comparing it with all of them cost 6 ms a message
        # at 6,500 examples. The sums are the same, term for term, in the same order.
        self._holding: dict[str, list[tuple[int, float]]] = {}
        for i, (_, vector, _) in enumerate(self._examples):
            for f, w in vector.items():
                self._holding.setdefault(f, []).append((i, w))
        # Each page's examples together: the sum of their unit vectors.
        together: dict[str, dict[str, float]] = {}
        for node, vector, norm in self._examples:
            page = together.setdefault(node, {})
            for f, w in vector.items():
                page[f] = page.get(f, 0.0) + w / norm
        self._together = {node: (page, _norm(page)) for node, page in together.items()}

    @staticmethod
    def _stem(word: str) -> str:
        # Words with a digit (a phone number, an amount) are never kept: no texted number
        # outlives its turn, and the cache cannot grow with whatever anyone sends.
        return _STEMMER.stemWord(word) if any(c.isdigit() for c in word) else _stem_word(word)

    def _correct(self, word: str) -> str:
        """A word the pack never uses, corrected to the closest one it does (or kept)."""
        if word in self._known or word in STOP_WORDS or len(word) < 4 or not word.isalpha():
            return word
        slips = 1 if len(word) <= 5 else 2
        found = process.extractOne(
            word,
            self._vocabulary,
            scorer=OSA.distance,
            score_cutoff=slips,
        )
        if not found or found[0][0] != word[0] or abs(len(found[0]) - len(word)) > 1:
            return word
        # A short word one letter different is usually another word ("dead" is not
        # "deaf"): for those only a letter missing, added or swapped is a slip.
        if len(word) <= 5 and len(found[0]) == len(word) and sorted(found[0]) != sorted(word):
            return word
        return found[0]

    def _corrected(self, text: str, said: list[str] | None = None) -> list[str]:
        """The text's words (``said``, when already made), each corrected (``_correct``)."""
        return [self._correct(w) for w in (words(text) if said is None else said)]

    def _features(self, text: str, said: list[str] | None = None, plain: list[str] | None = None) -> dict[str, float]:
        """Content words and neighbouring pairs, each counted once; weights come later.
        ``said``: the text's words (``flows.words.words``), ``plain``: those corrected,
        when already made."""
        plain = self._corrected(text, said) if plain is None else plain
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

    def model_features(self, text: str, plain: list[str] | None = None) -> Counter:
        """What the page model reads of a message (flows.page_model): every word, stop-words
        too, and every neighbouring pair, as the matcher normalises them, and the runs of 3
        to 5 letters within each word. ``plain``: the corrected words, when already made."""
        plain = self._corrected(text) if plain is None else plain
        tokens = [self._stem(w) for w in plain]
        found = Counter(f"w {t}" for t in tokens)
        found.update(f"p {a} {b}" for a, b in zip(tokens, tokens[1:]))
        for word in plain:
            if word.isalpha():  # a number or an amount is a word, not letters
                padded = f" {word} "
                found.update(f"c {padded[i : i + n]}" for n in LETTER_RUNS for i in range(len(padded) - n + 1))
        return found

    def _weigh(self, features: dict[str, float]) -> dict[str, float]:
        return {f: w * self._idf.get(f, self._unknown) for f, w in features.items()}

    @property
    def risk_page(self) -> str | None:
        """The page for someone at risk (the one whose examples speak of risk most)."""
        return self._risk_page

    def speaks_of_risk(self, text: str, features: dict[str, float] | None = None) -> bool:
        """Whether ``text`` speaks of crisis anywhere (risk first, by voice too): in words
        the tables know (flows.crisis), or as the model reads it (flows.risk_model)."""
        if self._stem(RISK) in (self._features(text) if features is None else features):
            return True
        return self._risk_model is not None and self._risk_model.at_risk(text)

    def keyword(self, text: str) -> str | None:
        """The page whose keyword is the whole of ``text`` ("signs", "menu"), if any."""
        return self._keywords.get(compact(text)) or self._keywords.get("".join(words(text)))

    def match(self, text: str) -> Match:
        # The SMS flow asks about one text from every place a texter can be
        # (flows.sms.outcomes): the answer is the same each time, so it is kept, unless
        # the text may hold a phone number (one keyed or said for a follow-up, too).
        if may_hold_a_number(text):
            return self._match.__wrapped__(self, text)
        return self._match(text)

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one Understanding per pack, for the process's life)
    def _match(self, text: str) -> Match:
        said = words(text)  # once: the keyword, the features and who is texting all read it
        exact = self._keywords.get(compact(text)) or self._keywords.get("".join(said))
        if exact:
            return Match(exact, 1.0, 0.0, True)
        # Corrected once (a word the pack never uses is looked up among all it does): the
        # matcher and the page model both read these.
        plain = self._corrected(text, said)
        features = self._features(text, plain=plain)
        if self._risk_page and self.speaks_of_risk(text, features):
            return Match(self._risk_page, 1.0, 0.0, True)
        vector = self._weigh(features)
        if not any(f in self._idf for f in vector if " " not in f):
            # Nothing but stop-words, or only words the pack never uses: unsure.
            return Match(None)
        norm = _norm(vector)
        shared_with: dict[int, float] = {}
        for f, w in vector.items():
            for i, weight in self._holding.get(f, ()):
                shared_with[i] = shared_with.get(i, 0) + w * weight
        best: dict[str, float] = {}
        for i in sorted(shared_with):  # in the examples' order, as pages were always met
            shared = shared_with[i]
            if shared:
                node, _, example_norm = self._examples[i]
                score = shared / (norm * example_norm)
                if score > best.get(node, 0.0):
                    best[node] = score
        for age, ruled_out in self._ruled_out.items():
            if self._stem(age) in features:
                best = {node: score for node, score in best.items() if node not in ruled_out}
        persons = set(said)
        if persons & THIRD_PERSON and not persons & FIRST_PERSON:
            best = {node: score for node, score in best.items() if node not in self._own_pages}
        if not best:
            return Match(None)
        for node, nearest in best.items():
            page, page_norm = self._together[node]
            overall = sum(w * page[f] for f, w in vector.items() if f in page) / (norm * page_norm)
            best[node] = (1 - self.TOGETHER) * nearest + self.TOGETHER * overall
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if self._page_model:
            return self._read_by_model(plain, text, ranked[0][0], allowed=set(best))
        node, score = ranked[0]
        second, runner_up = ranked[1] if len(ranked) > 1 else (None, 0.0)
        ratio = self.MAX_RATIO
        if len(ranked) > 1 and node in self._careful and ranked[1][0] in self._careful:
            ratio = self.CAREFUL_RATIO
        sure = score >= self.MIN_SCORE and runner_up <= score * ratio
        close = not sure and second is not None and score >= self.MIN_SCORE
        return Match(node, round(score, 3), round(runner_up, 3), sure, second, close)

    def _read_by_model(self, plain: list[str], text: str, nearest: str, allowed: set[str]) -> Match:
        """The page model's answer, among the pages the matcher left in play (an age said
        outright, or a message only about someone else, rules some out). Sure when the best
        page is well ahead of the next and either likely on its own or the page the
        nearest examples point to as well: two readings agreeing are rarely both wrong."""
        assert self._page_model is not None
        probabilities = self._page_model.probabilities(self.model_features(text, plain))
        ranked = sorted(((p, node) for node, p in probabilities.items() if node in allowed), reverse=True)
        if not ranked:
            return Match(None)
        score, node = ranked[0]
        runner_up, second = ranked[1] if len(ranked) > 1 else (0.0, None)
        ahead = score >= runner_up * self.MODEL_AHEAD
        sure = ahead and (score >= self.MODEL_SURE or (score >= self.MODEL_AGREED and node == nearest))
        close = not sure and not ahead and second is not None and score + runner_up >= self.PAIR_SHARE
        return Match(node, round(score, 3), round(runner_up, 3), sure, second, close)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values())) or 1.0
