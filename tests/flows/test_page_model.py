"""The page model (flows.page_model): the line's scorer gives what scikit-learn gives,
the model survives its file, and an editor's added example fails check until trained,
then gets its own page."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.check import check_pack
from flows.pack import load_pack
from flows.page_model import FILE, PageModel, weighted
from messages import DEFAULT_PACK_DIR
from service.cli import main as signpost

sklearn = pytest.importorskip("sklearn")
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

TAUGHT = {
    "steps": ["a pupil told me he is being blackmailed, what do i do", "student disclosed sextortion", "what are the steps"],
    "helplines": ["who can i call", "helpline number please", "is there someone to talk to"],
    "links": ["how do i get the pictures taken down", "remove images from the internet", "report remove"],
}


@pytest.fixture(scope="module")
def trained():
    understanding = load_pack(DEFAULT_PACK_DIR).understanding
    texts = [t for ts in TAUGHT.values() for t in ts]
    labels = [p for p, ts in TAUGHT.items() for _ in ts]
    vectoriser, tfidf = DictVectorizer(), TfidfTransformer()
    matrix = tfidf.fit_transform(vectoriser.fit_transform([weighted(understanding.model_features(t)) for t in texts]))
    classifier = LogisticRegression(C=30).fit(matrix, labels)
    model = PageModel(
        tuple(classifier.classes_),
        {f: (float(tfidf.idf_[i]), tuple(float(w) for w in classifier.coef_[:, i])) for f, i in vectoriser.vocabulary_.items()},
        tuple(float(i) for i in classifier.intercept_),
    )
    return understanding, vectoriser, tfidf, classifier, model


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.sampled_from([t for ts in TAUGHT.values() for t in ts]))
def test_the_lines_scorer_gives_what_scikit_learn_gives_for_any_text(trained, text):
    understanding, vectoriser, tfidf, classifier, model = trained
    features = understanding.model_features(text)
    expected = classifier.predict_proba(tfidf.transform(vectoriser.transform([weighted(features)])))[0]
    got = model.probabilities(features)
    for page, p in zip(classifier.classes_, expected):
        assert math.isclose(got[page], p, abs_tol=1e-9)


def test_a_model_survives_its_file(trained, tmp_path):
    understanding, *_, model = trained
    (tmp_path / FILE).write_text(model.to_json(), encoding="utf-8")
    read = PageModel.read(tmp_path / FILE)
    for text in [t for ts in TAUGHT.values() for t in ts]:
        a, b = read.probabilities(understanding.model_features(text)), model.probabilities(understanding.model_features(text))
        assert all(math.isclose(a[p], b[p], abs_tol=1e-3) for p in TAUGHT)


def test_no_model_file_reads_as_none(tmp_path):
    assert PageModel.read(tmp_path / FILE) is None


def first_page(pack_dir, text: str) -> str:
    return step(load_pack(pack_dir), Session(), Event("text", text))[0].node


# A whole training run (both models, cross-validated) takes about two minutes here.
@pytest.mark.timeout(600)
def test_an_added_example_fails_check_until_trained_and_then_gets_its_page(pack_copy, capsys):
    new = "he sent me back my own pics, do i need to save them somewhere?"
    assert first_page(pack_copy, new) != "dos"
    topics = pack_copy / "topics.toml"
    written = topics.read_text(encoding="utf-8")
    start = written.index("[topics.dos]")
    at = written.index("examples = [\n", start) + len("examples = [\n")
    topics.write_text(written[:at] + f'    "{new}",\n' + written[at:], encoding="utf-8")
    assert any(p.item == "page model" for p in check_pack(pack_copy).errors)

    assert signpost(["train-risk", "--quick", str(pack_copy)]) == 0
    printed = capsys.readouterr().out
    assert "cross-validated (5 folds)" not in printed and "known texts now read as another page" in printed
    assert not check_pack(pack_copy).errors
    assert first_page(pack_copy, new) == "dos"
