"""Understanding free text: the evaluation set (tests/flows/understand_cases.toml) and
the matcher's promises, each as a table or a property."""

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.evaluation import PASS_ACCURACY, evaluate, load_cases
from flows.keywords import compact
from flows.pack import load_pack
from flows.understand import STOP_WORDS, Understanding, words
from messages import DEFAULT_PACK_DIR, EVALUATION_SET

PACK = load_pack(DEFAULT_PACK_DIR)
CASES = load_cases(EVALUATION_SET)


def test_the_evaluation_set_is_big_and_keeps_a_quarter_held_out():
    assert len(CASES) >= 200
    held_out = sum(c.held_out for c in CASES)
    assert 0.2 <= held_out / len(CASES) <= 0.3
    assert {c.page for c in CASES} - set(PACK.sms_pages) <= {"opted_out"}


def test_no_evaluation_text_is_copied_into_the_examples():
    examples = {" ".join(words(e)) for n in [*PACK.topics.values(), *PACK.menus.values()] for e in n.examples}
    copied = [c.text for c in CASES if c.held_out and " ".join(words(c.text)) in examples]
    assert not copied, "held-out texts must stay out of the pack's examples"


def test_the_line_understands_the_evaluation_set():
    result = evaluate(PACK, CASES)
    print("\n" + "\n".join(result.lines()))
    assert not result.confident_wrong, "a safety case got a wrong page with confidence"
    assert result.accuracy >= PASS_ACCURACY, "\n".join(result.lines())


INDEX = Understanding(
    {"links": ["get the images removed", "report remove"], "how": ["how it happens", "grooming"],
     "helplines": ["helpline number", "who can I call"], "steps": ["what should I do", "what to do"]},
    {"helpline": "helplines", "how": "how", "steps": "steps"},
)


@pytest.mark.parametrize(
    "text, node",
    [
        ("helpline", "helplines"),
        ("helpine", "helplines"),  # a letter missing
        ("hlepline number", "helplines"),  # two swapped
        ("wat shud i do", "steps"),  # text-speak
        ("pls get the pics removed", "links"),
        ("what to do", "steps"),  # a phrase of common words still counts as a phrase
    ],
)
def test_typos_and_text_speak_are_understood(text, node):
    match = INDEX.match(text)
    assert (match.node, match.sure) == (node, True)


@pytest.mark.parametrize(
    "text",
    [
        "Hi, how are you?",  # "how" is a keyword, but not inside a sentence
        "how is it going",
        "what is it",
        "showhow",  # never a word inside another word
        "helplines2000xyz",
        "somehow whatever",
        "unlinked",
        "",
        "\U0001f600",
    ],
)
def test_stop_words_and_words_inside_words_never_match(text):
    assert not INDEX.match(text).sure


KEYWORDS = {compact(k) for node in [*PACK.topics.values(), *PACK.menus.values()] for k in node.keywords}


@given(st.lists(st.sampled_from(sorted(STOP_WORDS)), max_size=12))
def test_a_message_of_stop_words_alone_is_never_understood(stop_words):
    message = " ".join(stop_words)
    assume(compact(message) not in KEYWORDS)  # "how" sent alone is the keyword, a choice
    assert not PACK.understanding.match(message).sure


def test_a_keyword_sent_alone_is_its_page_even_a_common_word():
    assert (INDEX.match("How?").node, INDEX.match("How?").sure) == ("how", True)


@given(st.text(max_size=300))
def test_any_text_gets_a_page_or_the_menu(text):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert reply.node in PACK.sms_pages


@pytest.mark.parametrize(
    "text, node, effect",
    [
        ("stop texting me", "opted_out", "opt_out"),
        ("Unsubscribe me please", "opted_out", "opt_out"),
        ("remove me from this list", "opted_out", "opt_out"),
        ("No more messages!", "opted_out", "opt_out"),
        ("Stop sending me these", "opted_out", "opt_out"),
        ("don't text me again", "opted_out", "opt_out"),
        ("remove the photos", "links", None),
        ("how do I stop this", "how", None),
    ],
)
def test_opting_out_as_people_say_it(text, node, effect):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert (reply.node, reply.effect) == (node, effect)


@pytest.mark.parametrize(
    "text",
    ["remove the photos", "stop them sending the pictures", "how do I stop this", "stop it",
     "can you remove the images", "no more photos of her please", "unsubscribe from the chat"],
)
def test_stop_or_remove_about_the_images_is_not_an_opt_out(text):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert reply.effect is None and reply.node != "opted_out"
