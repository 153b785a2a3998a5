"""The risk model: the line's own scorer agrees with the library that trained it, and an
editor's new example does nothing until the model has learnt it, which check says."""

from __future__ import annotations

import math
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.check import check_pack
from flows.pack import load_pack
from flows.risk_model import FILE, RiskModel, features
from service.cli import main as signpost
from tests.flows.test_check import append

sklearn = pytest.importorskip("sklearn")
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

TAUGHT = tomllib.loads("""
at_risk = ["i want to die", "i have taken all my pills", "i am on the bridge and going to jump",
           "she said goodbye and her phone is off", "he has a rope in his room", "cut myself again tonight"]
everyday = ["what do i do", "how do i report it", "my phone is dying", "who do i tell",
            "he is threatening to post the pictures", "can i talk to a person"]
""")


@pytest.fixture(scope="module")
def trained():
    texts = TAUGHT["at_risk"] + TAUGHT["everyday"]
    labels = [True] * len(TAUGHT["at_risk"]) + [False] * len(TAUGHT["everyday"])
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    classifier = LogisticRegression(C=4).fit(vectoriser.fit_transform(texts), labels)
    model = RiskModel(
        {f: (float(vectoriser.idf_[i]), float(classifier.coef_[0][i])) for f, i in vectoriser.vocabulary_.items()},
        float(classifier.intercept_[0]),
        0.5,
    )
    return vectoriser, classifier, model


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.sampled_from(TAUGHT["at_risk"] + TAUGHT["everyday"]))
def test_the_lines_scorer_gives_what_scikit_learn_gives_for_any_text(trained, text):
    vectoriser, classifier, model = trained
    expected = classifier.predict_proba(vectoriser.transform([text]))[0][1]
    assert math.isclose(model.probability(text), expected, abs_tol=1e-9)


def test_a_model_survives_its_file(trained, tmp_path):
    _, _, model = trained
    (tmp_path / FILE).write_text(model.to_json(), encoding="utf-8")
    read = RiskModel.read(tmp_path / FILE)
    for text in TAUGHT["at_risk"] + TAUGHT["everyday"]:
        assert math.isclose(read.probability(text), model.probability(text), abs_tol=1e-3)


def test_no_model_file_reads_as_none(tmp_path):
    assert RiskModel.read(tmp_path / FILE) is None


def first_page(pack_dir, text: str) -> str:
    pack = load_pack(pack_dir)
    return step(pack, Session(), Event("text", text))[0].node


# A whole training run (both models, cross-validated) takes about two minutes here.
@pytest.mark.timeout(600)
def test_an_added_example_fails_check_until_trained_and_then_is_learnt(pack_copy, capsys):
    new = "nobody will have to put up with me after friday, I've sorted it"
    misplaced = "I have taken all my pills and I want to die tonight"
    assert not check_pack(pack_copy).errors
    append(pack_copy / "risk" / "written_1.toml", f'\nat_risk = ["{new}"]\n')
    topics = pack_copy / "topics.toml"
    written = topics.read_text(encoding="utf-8")
    topics.write_text(written.replace("examples = [\n", f'examples = [\n    "{misplaced}",\n', 1), encoding="utf-8")
    stale = [str(p) for p in check_pack(pack_copy).errors]
    assert any("examples changed since the risk model was trained" in p for p in stale), stale

    assert signpost(["train-risk", "--quick", str(pack_copy)]) == 0
    printed = capsys.readouterr().out
    assert "Cross-validation skipped" in printed and "known texts now read differently" in printed
    report = check_pack(pack_copy)
    assert not report.errors
    assert first_page(pack_copy, new) == load_pack(pack_copy).understanding.risk_page
    # Risk first: a crisis written as another page's example still gets the at-risk page,
    # and check tells the editor so.
    assert first_page(pack_copy, misplaced) == load_pack(pack_copy).understanding.risk_page
    assert any(misplaced in str(w) and "as a crisis" in str(w) for w in report.warnings), report.warnings


def test_training_prints_the_cross_validated_figures_and_its_models_pass_check(pack_copy, capsys):
    # A smaller pack (the pages' own examples, two files of risk examples), so that the
    # figures take seconds, not the minutes of the shipped pack.
    shutil.rmtree(pack_copy / "examples")
    for path in (pack_copy / "risk").glob("*.toml"):
        if path.name not in ("cases.toml", "written_1.toml"):
            path.unlink()
    assert check_pack(pack_copy).errors  # the shipped models learnt other examples
    assert signpost(["train-risk", str(pack_copy)]) == 0
    printed = capsys.readouterr().out
    assert "Cross-validated, all files together" in printed
    assert "cases.toml: crises found" in printed and "written_1.toml: crises found" in printed
    assert "cross-validated (5 folds)" in printed
    assert not check_pack(pack_copy).errors


def test_training_a_pack_with_no_examples_to_learn_from_says_so(tmp_path, capsys):
    pack = tmp_path / "pack"
    shutil.copytree(Path(__file__).parents[1] / "packs" / "en-GB-example", pack)
    assert signpost(["train-risk", str(pack)]) == 2
    assert "a model needs both" in capsys.readouterr().err
    assert not (pack / FILE).exists()


def test_a_pack_with_risk_examples_and_no_model_fails_check(pack_copy):
    (pack_copy / FILE).unlink()
    assert any("no risk_model.json" in str(p) for p in check_pack(pack_copy).errors)
