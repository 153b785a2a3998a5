"""Which page a message asks for, as a linear model reads it: beside the matcher of
``flows.understand``.

The matcher finds the page whose examples a message is nearest to. Every set of texts
written independently since it was tuned held ways of asking it had no near example for,
and it was unsure of a third of them. This model reads a message as the matcher does
(``Understanding.model_features``: text-speak spelled out, slips corrected, words
stemmed), as its words, neighbouring pairs and runs of 3 to 5 letters, weighs each by how
rare it is (tf-idf), and learns from every example of every page at once what each says
about each page (multinomial logistic regression). So "one of the kids told me someone is
threatening to share pics of him, what do i do" is read from everything it says, not from
the single example it is closest to.

It is trained by ``signpost train-risk`` with the risk model (scikit-learn, a training-only
dependency); scoring it needs nothing but this module. How the line decides with it, and
the figures behind each choice: ``flows.understand`` and docs/understanding.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FILE = "page_model.json"
# Letter runs weigh less than words: they are there for the misspellings and word forms
# the examples never had ("blackmale", "screenshoted"), not to outvote the words.
LETTER_RUNS_WEIGHT = 0.3


def fingerprint(examples: dict[str, list[str]]) -> str:
    """What a model was trained on, so ``signpost check`` can say when it is out of date."""
    digest = hashlib.sha256()
    for page, texts in sorted(examples.items()):
        for text in sorted(set(texts)):
            digest.update(f"{page}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def weighted(counts: Counter) -> dict[str, float]:
    """Sublinear term frequency, letter runs weighed down: the trainer's input and the
    scorer's, so the two can never disagree."""
    return {f: (1.0 + math.log(n)) * (LETTER_RUNS_WEIGHT if f.startswith("c ") else 1.0) for f, n in counts.items()}


@dataclass(frozen=True)
class PageModel:
    pages: tuple[str, ...]
    weights: dict[str, tuple[float, tuple[float, ...]]]  # feature -> (idf, weight for each page)
    intercepts: tuple[float, ...]
    trained_on: str = ""  # fingerprint() of the examples

    def probabilities(self, counts: Counter) -> dict[str, float]:
        """Each page's probability for a message's features (``model_features``)."""
        totals = list(self.intercepts)
        values = []
        for feature, value in weighted(counts).items():
            known = self.weights.get(feature)
            if known:
                values.append((value * known[0], known[1]))
        norm = math.sqrt(sum(v * v for v, _ in values)) or 1.0
        for value, per_page in values:
            for i, w in enumerate(per_page):
                totals[i] += value / norm * w
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        whole = sum(exps)
        return {page: e / whole for page, e in zip(self.pages, exps)}

    def to_json(self) -> str:
        return json.dumps(
            {
                "pages": list(self.pages),
                "intercepts": [round(i, 4) for i in self.intercepts],
                "trained_on": self.trained_on,
                "weights": {f: [round(idf, 4), [round(w, 4) for w in ws]] for f, (idf, ws) in sorted(self.weights.items())},
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def read(cls, path: Path) -> PageModel | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            tuple(data["pages"]),
            {f: (idf, tuple(ws)) for f, (idf, ws) in data["weights"].items()},
            tuple(data["intercepts"]),
            data.get("trained_on", ""),
        )
