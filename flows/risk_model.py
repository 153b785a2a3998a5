"""Words of crisis nobody listed: a linear model beside the tables of ``flows.crisis``.

The tables recognise the ways of speaking of crisis someone thought of; every set written
independently since has held ways nobody had (about half of a held-out set was missed).
This model reads a message as words, pairs of words and runs of 3 to 5 letters (so "cuttin",
"pils" and "kms" still share most of their letters with what it was taught), weighs each
by how rare it is (tf-idf), and adds up what each taught it about risk (logistic
regression). It is trained on examples written by many hands, kept in the pack
(``risk/*.toml`` beside the page examples), by ``signpost train-risk``; scoring it needs
nothing but this module, so the line carries no machine-learning library at run time.

A message is at risk when the tables say so *or* the model's probability reaches the
threshold the trainer chose by cross-validation (see docs/understanding.md): a miss may
cost a life, so the threshold favours finding every crisis over sparing an at-risk page
to someone who did not need it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flows.words import STOP_WORDS

# What the model reads of a message: the same amount the tables read (flows.words).
READ_AT_MOST = 600
_TOKEN = re.compile(r"[a-z0-9']+|[^\x00-\x7f\s]")
# Runs of 3 to 5 letters: on sets left out of training, runs of 2 took more everyday
# messages for crisis and found no more crises (docs/understanding.md).
_LETTER_RUNS = range(3, 6)
MIN_WORDS, MIN_CONTENT_WORDS = 5, 2
FILE = "risk_model.json"
# The pack's folder of examples written for the model (beside each page's own examples):
# TOML files of ``at_risk_texts``, ``at_risk_speech`` and ``not_at_risk``.
EXAMPLES = "risk"
AT_RISK_LISTS = ("at_risk_texts", "at_risk_speech", "at_risk")
NOT_AT_RISK_LISTS = ("not_at_risk", "not_at_risk_speech", "near_misses")


def features(text: str) -> list[str]:
    """A message's words ("w"), neighbouring pairs ("w a b") and letter runs within each
    word, spaces around it ("c"). The trainer and the scorer both use this, so they can
    never disagree about what a message is."""
    tokens = _TOKEN.findall(text[:READ_AT_MOST].lower().replace("\u2019", "'"))
    out = [f"w {t}" for t in tokens]
    out += [f"w {a} {b}" for a, b in zip(tokens, tokens[1:])]
    for token in tokens:
        padded = f" {token} "
        for n in _LETTER_RUNS:
            out += [f"c {padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return out


def fingerprint(examples: list[tuple[str, bool]]) -> str:
    """What a model was trained on, so ``signpost check`` can tell an editor who added an
    example that the model no longer matches the pack."""
    digest = hashlib.sha256()
    for text, at_risk in sorted(set(examples)):
        digest.update(f"{int(at_risk)}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def training_examples(page_examples: dict[str, list[str]], risk_page: str | None, pack_dir: Path) -> list[tuple[str, bool]]:
    """Every example the model learns from: each page's examples (at risk when the page
    is the one for someone at risk) and the pack's ``risk/`` files."""
    examples = [(text, node == risk_page) for node, texts in page_examples.items() for text in texts]
    for path in example_files(pack_dir):
        examples += read_examples(path)
    return examples


def example_files(pack_dir: Path) -> list[Path]:
    return sorted((pack_dir / EXAMPLES).glob("*.toml"))


def read_examples(path: Path) -> list[tuple[str, bool]]:
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    return [(text, True) for name in AT_RISK_LISTS for text in written.get(name, [])] + [
        (text, False) for name in NOT_AT_RISK_LISTS for text in written.get(name, [])
    ]


@dataclass(frozen=True)
class RiskModel:
    weights: dict[str, tuple[float, float]]  # feature -> (idf, weight)
    intercept: float
    threshold: float
    trained_on: str = ""  # fingerprint() of the examples

    def probability(self, text: str) -> float:
        counts = Counter(f for f in features(text) if f in self.weights)
        total = squares = 0.0
        for feature, n in counts.items():
            idf, weight = self.weights[feature]
            value = (1.0 + math.log(n)) * idf  # sublinear term frequency, as trained
            total += value * weight
            squares += value * value
        z = self.intercept + (total / math.sqrt(squares) if squares else 0.0)
        return 1.0 / (1.0 + math.exp(-z))

    def at_risk(self, text: str) -> bool:
        # A few words give a linear model too little to go on: one common word alone
        # ("the") can tip it. Short crises are what the tables know best (flows.crisis).
        said = _TOKEN.findall(text[:READ_AT_MOST].lower())
        if len(said) < MIN_WORDS or sum(w not in STOP_WORDS for w in said) < MIN_CONTENT_WORDS:
            return False
        return self.probability(text) >= self.threshold

    def to_json(self) -> str:
        return json.dumps(
            {
                "threshold": self.threshold,
                "intercept": self.intercept,
                "trained_on": self.trained_on,
                "weights": {f: [round(i, 4), round(w, 4)] for f, (i, w) in sorted(self.weights.items())},
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def read(cls, path: Path) -> RiskModel | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({f: (i, w) for f, (i, w) in data["weights"].items()}, data["intercept"], data["threshold"], data.get("trained_on", ""))
