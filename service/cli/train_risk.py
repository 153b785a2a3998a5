"""``signpost train-risk [PACK_DIR]``: train the pack's risk model and page model on its examples.

Run it after adding an example to the pack (a page's ``examples``, or a file in its
``risk/`` folder): ``signpost check`` fails until the model has learnt the pack's current
examples. It prints the model's figures by cross-validation (each file of examples left
out in turn, scored by a model trained on the rest: the honest figure for words nobody
wrote down), the threshold chosen from them, and every example whose answer changed.

Training needs scikit-learn (``pip install '.[train]'``, which ``make test`` installs);
the line itself only reads the model file (flows.risk_model).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from flows import risk_model
from flows.pack import load_pack
from flows.pack.render_sms import page_examples
from flows.risk_model import RiskModel, example_files, features, fingerprint, read_examples, training_examples
from messages import DEFAULT_PACK_DIR, EVALUATION_SET
from service.cli.fitting import fit_holding_examples
from service.cli.train_pages import SHOW_CHANGED, train_pages

# How strongly the model may trust any one feature (scikit-learn's C), chosen by the
# cross-validation below: smaller missed more crises left out, larger gave more false alarms.
STRENGTH = 4.0
# The probability from which a message is at risk. Chosen on the files the crisis tables
# were never tuned on (written_5, written_6, disclosures_not_at_risk), each scored by a model
# trained without it, tables and model together: at 0.5 they found 310 of 330 crises (the
# tables alone 193) and gave the at-risk page to 10 of 317 everyday first texts; at 0.4,
# 314 and 20; at 0.6, 297 and 4. A missed crisis may cost a life; an at-risk page given
# where it was not needed costs a reader one more reply (it ends "Reply 0 for the menu").
# With the persona-written examples (examples/) the model took far fewer disclosures for
# crisis, and the threshold moved down to keep finding crises: cross-validated, all files,
# 0.5 found 89.7% of crises and took 10.9% of everyday messages for crisis; 0.45, 92.3% and
# 13.1%; 0.4, 94.8% and 16.0% (before those examples, 0.5 gave 91.4% and 16.1%). 0.45 is
# better than before on both; 0.4 also gave the at-risk page to a DSL asking for the steps.
THRESHOLD = 0.45
THRESHOLDS = [t / 100 for t in range(20, 85, 5)]
# Cross-validation is most of the minutes training takes (a model fitted for every file and
# fold); an editor checking what one added example changes can skip it.
QUICK = "Cross-validation skipped (--quick): run without --quick for the figures before the pack ships."


def _fit(texts: list[str], labels: list[bool]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2)
    matrix = vectoriser.fit_transform(texts)
    classifier = fit_holding_examples(matrix, labels, STRENGTH)
    weights = {
        feature: (float(vectoriser.idf_[column]), float(classifier.coef_[0][column])) for feature, column in vectoriser.vocabulary_.items()
    }
    return weights, float(classifier.intercept_[0])


def _groups(pack_dir: Path, pages: dict[str, list[str]], risk_page: str | None) -> dict[str, list[tuple[str, bool]]]:
    """The examples by where they were written: the pages' own, then each risk/ file."""
    groups = {"page examples": training_examples(pages, risk_page, pack_dir / "none")}
    groups.update({path.name: read_examples(path) for path in example_files(pack_dir)})
    return groups


def cross_validate(groups: dict[str, list[tuple[str, bool]]]) -> list[tuple[str, list[tuple[str, bool, float]]]]:
    """Each file of risk examples scored by a model trained on everything else."""
    scored = []
    for name, held in groups.items():
        if name == "page examples":
            continue
        rest = [example for other, examples in groups.items() if other != name for example in examples]
        weights, intercept = _fit([t for t, _ in rest], [a for _, a in rest])
        model = RiskModel(weights, intercept, 0.5)
        scored.append((name, [(text, at_risk, model.probability(text)) for text, at_risk in held]))
        print(f"  cross-validating: {name} scored", file=sys.stderr, flush=True)
    return scored


def report(scored, threshold: float) -> None:
    pooled = [row for _, rows in scored for row in rows]
    crises = [p for _, at_risk, p in pooled if at_risk]
    everyday = [p for _, at_risk, p in pooled if not at_risk]
    print("Cross-validated, all files together: threshold, crises found, everyday messages taken for crisis")
    for t in THRESHOLDS:
        print(f"  {t:.2f}  {sum(p >= t for p in crises) / len(crises):6.1%}  {sum(p >= t for p in everyday) / max(len(everyday), 1):6.1%}")
    print(f"Cross-validated (each file left out in turn), at the threshold {threshold:.2f}:")
    for name, rows in scored:
        crises = [p for _, at_risk, p in rows if at_risk]
        everyday = [p for _, at_risk, p in rows if not at_risk]
        print(
            f"  {name}: crises found {sum(p >= threshold for p in crises)} of {len(crises)}; "
            f"everyday messages taken for crisis {sum(p >= threshold for p in everyday)} of {len(everyday)}"
        )


def cmd_train_risk(args: argparse.Namespace) -> int:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("signpost train-risk needs scikit-learn: pip install '.[train]'", file=sys.stderr)
        return 2
    pack_dir = Path(args.pack_dir)
    pack = load_pack(pack_dir)
    risk_page = pack.understanding.risk_page
    pages = page_examples(pack)
    examples = training_examples(pages, risk_page, pack_dir)
    groups = _groups(pack_dir, pages, risk_page)
    at_risk = sum(a for _, a in examples)
    if not at_risk or at_risk == len(examples):
        print(
            f"signpost train-risk: {pack_dir} has {at_risk} examples at risk and {len(examples) - at_risk} not; "
            "a model needs both (the at-risk page's examples or risk/*.toml, and other pages' examples)",
            file=sys.stderr,
        )
        return 2
    print(f"{len(examples)} examples, {at_risk} of them at risk, from {len(groups)} sources", flush=True)
    threshold = args.threshold or THRESHOLD
    if args.quick:
        print(QUICK)
    else:
        report(cross_validate(groups), threshold)
    weights, intercept = _fit([t for t, _ in examples], [a for _, a in examples])
    model = RiskModel(weights, intercept, threshold, fingerprint(examples))
    old = RiskModel.read(pack_dir / risk_model.FILE)
    (pack_dir / risk_model.FILE).write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"Wrote {pack_dir / risk_model.FILE} ({len(weights)} features).")
    if old:
        changed(old, model, [t for t, _ in examples] + _evaluation_texts())
    # The page model reads messages as the pack's matcher does (not through the risk model).
    train_pages(pack, pack_dir, _evaluation_texts(), cross_validated=not args.quick)
    return 0


def _evaluation_texts() -> list[str]:
    cases = tomllib.loads(EVALUATION_SET.read_text(encoding="utf-8")) if EVALUATION_SET.is_file() else {}
    return [case[0] for rows in cases.values() if isinstance(rows, list) for case in rows]


def changed(old: RiskModel, new: RiskModel, texts: list[str]) -> None:
    """What an added example changed: every known text the model now reads differently."""
    moved = [(new.at_risk(t), t) for t in dict.fromkeys(texts) if old.at_risk(t) != new.at_risk(t)]
    print(f"{len(moved)} known texts now read differently" + (":" if moved else "."))
    for at_risk, text in moved[:SHOW_CHANGED]:
        print(f"  {'now at risk' if at_risk else 'no longer at risk'}: {text[:100]}")


def register(commands) -> None:
    train = commands.add_parser("train-risk", help="train the pack's risk model and page model on its examples")
    train.add_argument(
        "pack_dir", nargs="?", default=str(DEFAULT_PACK_DIR), metavar="PACK_DIR", help="the pack's folder (default: the shipped pack)"
    )
    train.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="the probability from which a message is at risk (default: chosen by cross-validation)",
    )
    train.add_argument(
        "--quick",
        action="store_true",
        help="fit the models without the cross-validated figures (a minute or two, not ten): to see what an added example changes",
    )
    train.set_defaults(handler=cmd_train_risk)
