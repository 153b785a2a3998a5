import pytest

from flows.keywords import KeywordIndex, compact, normalise

INDEX = KeywordIndex(
    {"steps": "steps", "what to do": "steps", "helpline": "helplines", "how": "how", "report": "links", "signs": "signs", "menu": "main"}
)


@pytest.mark.parametrize(
    "text, node",
    [
        ("STEPS", "steps"),
        ("  steps. ", "steps"),
        ("What to do?", "steps"),
        ("whattodo", "steps"),
        ("Helpline please", "helplines"),
        ("HELPLNE", "helplines"),  # a slipped letter
        ("stpes", "steps"),
        ("Sings", "signs"),
        ("how do I report it", "links"),  # the longest keyword wins
        ("how", "how"),
        ("M.E.N.U", "main"),
        ("", None),
        ("\U0001f600", None),
        ("xyzzy", None),
        ("x" * 1600, None),
    ],
)
def test_match(text, node):
    assert INDEX.match(text) == node


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  Wh\u00e1t-to   DO?! ") == "what to do"
    assert compact("What to do?") == "whattodo"
