"""The page model's half of ``signpost train-risk``: learn from every page's examples
which page a message asks for (flows.page_model).

Prints the model's figure by cross-validation (the examples split in five, each fifth
scored by a model trained on the rest), and every example the fitted model still reads
as another page.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from flows import page_model
from flows.page_model import PageModel, fingerprint, weighted
from flows.pack.render_sms import page_examples
from service.cli.fitting import fit_holding_examples

# How strongly the model may trust any one feature (scikit-learn's C). Measured on the
# evaluation set and the earlier held-out sets (docs/understanding.md): 3 left a third of
# texts unsure, 30 understood the most for as few confident wrong pages as 10.
STRENGTH = 30.0
FOLDS = 5
# More than this many changed answers is a new model, not an added example: the count says so.
SHOW_CHANGED = 40


def _fit(understanding, examples: list[tuple[str, str]]) -> PageModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer

    rows = [weighted(understanding.model_features(text)) for text, _ in examples]
    labels = [page for _, page in examples]
    vectoriser, tfidf = DictVectorizer(), TfidfTransformer()
    matrix = tfidf.fit_transform(vectoriser.fit_transform(rows))
    classifier = fit_holding_examples(matrix, labels, STRENGTH)
    pages = tuple(str(p) for p in classifier.classes_)
    weights = {
        feature: (float(tfidf.idf_[column]), tuple(float(classifier.coef_[k][column]) for k in range(len(pages))))
        for feature, column in vectoriser.vocabulary_.items()
    }
    return PageModel(pages, weights, tuple(float(i) for i in classifier.intercept_))


def _best(model: PageModel, understanding, text: str) -> str:
    probabilities = model.probabilities(understanding.model_features(text))
    return max(probabilities, key=lambda page: probabilities[page])


def cross_validate(understanding, examples: list[tuple[str, str]]) -> float:
    shuffled = examples[:]
    random.Random(0).shuffle(shuffled)  # the same folds every run, so figures compare
    right = 0
    for fold in range(FOLDS):
        held = shuffled[fold::FOLDS]
        rest = [e for i, e in enumerate(shuffled) if i % FOLDS != fold]
        model = _fit(understanding, rest)
        right += sum(_best(model, understanding, text) == page for text, page in held)
        print(f"  cross-validating the page model: fold {fold + 1} of {FOLDS} scored", file=sys.stderr, flush=True)
    return right / len(examples)


def changed(old: PageModel, new: PageModel, understanding, texts: list[str]) -> None:
    """What an added example changed: every known text the model now reads as another page."""
    moved = [(t, a, b) for t in dict.fromkeys(texts) if (a := _best(old, understanding, t)) != (b := _best(new, understanding, t))]
    print(f"  {len(moved)} known texts now read as another page" + (":" if moved else "."))
    for text, before, after in moved[:SHOW_CHANGED]:
        print(f"    {before} -> {after}: {text[:90]}")


def train_pages(pack, pack_dir: Path, known: list[str], cross_validated: bool = True) -> PageModel:
    """``known``: texts besides the examples (the evaluation set) whose changes to list;
    ``cross_validated`` false: fitted without the cross-validated figure (``--quick``)."""
    pages = page_examples(pack, with_keywords=True)
    examples = [(text, page) for page, texts in pages.items() for text in texts]
    understanding = pack.understanding
    print(f"Page model: {len(examples)} examples of {len(pages)} pages", flush=True)
    if cross_validated:
        print(f"  cross-validated ({FOLDS} folds): {cross_validate(understanding, examples):.1%} of examples read as their own page")
    model = _fit(understanding, examples)
    model = PageModel(model.pages, model.weights, model.intercepts, fingerprint(pages))
    misread = [(text, page, best) for text, page in examples if (best := _best(model, understanding, text)) != page]
    print(f"  fitted: {len(examples) - len(misread)} of {len(examples)} examples read as their own page" + (":" if misread else "."))
    for text, page, best in misread[:20]:
        print(f"    {page} read as {best}: {text[:90]}")
    old = PageModel.read(pack_dir / page_model.FILE)
    (pack_dir / page_model.FILE).write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"Wrote {pack_dir / page_model.FILE} ({len(model.weights)} features).")
    if old:
        changed(old, model, understanding, [t for t, _ in examples] + known)
    return model
