"""Understanding free text: the evaluation set (messages/understand_cases.toml) and
the matcher's promises, each as a table or a property."""

import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flows import Event, Session, step
from flows.evaluation import PASS_ACCURACY, evaluate, load_cases
from flows.keywords import compact, normalise
from flows.pack import load_pack
from flows.understand import Understanding
from flows.words import SELF_AGES, STOP_WORDS, words
from messages import DEFAULT_PACK_DIR, EVALUATION_SET

PACK = load_pack(DEFAULT_PACK_DIR)
CASES = load_cases(EVALUATION_SET)


def test_the_evaluation_set_is_big_and_keeps_a_quarter_held_out():
    assert len(CASES) >= 200
    held_out = sum(c.held_out for c in CASES)
    assert 0.2 <= held_out / len(CASES) <= 0.3
    assert {c.page for c in CASES} - set(PACK.sms_pages) <= {"opted_out"}


def test_no_evaluation_text_is_copied_into_the_examples():
    # Compared as written (case and punctuation aside): the matcher's own normalising
    # makes different sentences one ("I want to die", "I want to end my life").
    examples = {normalise(e) for n in [*PACK.topics.values(), *PACK.menus.values()] for e in n.examples}
    copied = [c.text for c in CASES if c.held_out and normalise(c.text) in examples]
    assert not copied, "held-out texts must stay out of the pack's examples"


def test_the_line_understands_the_evaluation_set():
    result = evaluate(PACK, CASES)
    print("\n" + "\n".join(result.lines()))
    assert not result.confident_wrong, "a safety case got a wrong page with confidence"
    assert result.accuracy >= PASS_ACCURACY, "\n".join(result.lines())


# The blind set: texts written from the page titles and FACTS.md alone, before anyone
# read the pack's examples; never tuned on (its header says how it is kept).
BLIND_SET = Path(__file__).with_name("understand_blind.toml")
BLIND = load_cases(BLIND_SET)
# Measured 86.0% (129 of 150) once the examples and the matcher were last changed
# (76.7% before). The floor sits a few points below, so a change that loses ground on
# texts nobody tuned on fails here, while the set is never tuned to pass it.
BLIND_FLOOR = 0.82
# Safety cases the line got confidently wrong when the blind set was measured. They
# stay visible rather than being tuned away: strict, so the day one is right, this
# list must shrink.
BLIND_KNOWN_WRONG = {
    "what should parents do about sextortion",  # gets what sextortion is, not parents
}


# Short texts that were already examples or keywords when the blind set was written
# (the same words came to both writers). No other blind text may become one.
BLIND_ALREADY_IN_THE_PACK = {
    "What is sextortion?",
    "Who do I refer to in Coventry?",
    "police non emergency number",
    "hello? is someone there",
    "is this a real person",
    "cheers",
    "ok thank you",
    "Hello",
    "take it down link",
}


def test_the_blind_set_is_all_held_out_and_none_of_it_is_in_the_examples():
    assert len(BLIND) == 150 and all(c.held_out for c in BLIND)
    assert {c.page for c in BLIND} - set(PACK.sms_pages) <= {"opted_out"}
    examples = {normalise(e) for n in [*PACK.topics.values(), *PACK.menus.values()] for e in [*n.examples, *n.keywords]}
    assert {c.text for c in BLIND if normalise(c.text) in examples} == BLIND_ALREADY_IN_THE_PACK


def test_the_line_understands_the_blind_set_above_its_floor():
    result = evaluate(PACK, BLIND)
    print("\n" + "\n".join(result.lines()))
    assert result.accuracy >= BLIND_FLOOR, "\n".join(result.lines())


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=c.text[:40],
            marks=[pytest.mark.xfail(strict=True, reason="measured wrong; not tuned on")] if c.text in BLIND_KNOWN_WRONG else [],
        )
        for c in BLIND
        if c.safety
    ],
)
def test_no_blind_safety_case_gets_a_confident_wrong_page(case):
    # The page for someone at risk, where it was not needed, is not a confident wrong
    # page: risk is read generously, as a miss may cost a life (flows.risk_model).
    allowed = {PACK.main_menu, PACK.unsure_menu, PACK.understanding.risk_page}
    answered = step(PACK, Session(channel="sms"), Event("text", case.text))[0].node
    assert answered == case.page or answered in allowed


INDEX = Understanding(
    {
        "links": ["get the images removed", "report remove"],
        "how": ["how it happens", "grooming"],
        "helplines": ["helpline number", "who can I call"],
        "steps": ["what should I do", "what to do"],
    },
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
    assert reply.node in PACK.sms_pages or reply.node in PACK.pair_questions  # a question between two pages


@pytest.mark.parametrize(
    "text, node, effect",
    [
        ("stop texting me", "opted_out", "opt_out"),
        ("Unsubscribe me please", "opted_out", "opt_out"),
        ("remove me from this list", "opted_out", "opt_out"),
        ("No more messages!", "opted_out", "opt_out"),
        ("Stop sending me these", "opted_out", "opt_out"),
        ("don't text me again", "opted_out", "opt_out"),
        ("wrong number stop", "opted_out", "opt_out"),  # a reason first, then the opt-out
        ("I never signed up for this. Stop please", "opted_out", "opt_out"),
        ("could you delete my phone number from your list", "opted_out", "opt_out"),
        ("take my details off", "opted_out", "opt_out"),
        ("i do not want your texts", "opted_out", "opt_out"),
        ("dont want any more messages from you", "opted_out", "opt_out"),
        ("cancel all the messages", "opted_out", "opt_out"),
        ("stop texting my phone", "opted_out", "opt_out"),
        ("not interested, unsubscribe", "opted_out", "opt_out"),
        ("remove the photos", "links", None),
        ("how do I stop this", "how", None),
    ],
)
def test_opting_out_as_people_say_it(text, node, effect):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert (reply.node, reply.effect) == (node, effect)


@pytest.mark.parametrize(
    "text",
    [
        "remove the photos",
        "stop them sending the pictures",
        "how do I stop this",
        "stop it",
        "can you remove the images",
        "no more photos of her please",
        "unsubscribe from the chat",
        "make it stop",
        "I want it to stop",
        "he wont stop texting me",
        "remove my photos",
        "delete my pictures",
        "cancel the payment",
        "i want the messages to stop",
        "how do i stop him messaging me",
        "end it",
    ],
)
def test_stop_or_remove_about_the_images_is_not_an_opt_out(text):
    reply, _ = step(PACK, Session(), Event("text", text))
    assert reply.effect is None and reply.node != "opted_out"


@pytest.mark.parametrize(
    "text",
    [
        "he wants to end his life over this",
        "my student said she would be better off dead",
        "she has been hurting herself",
        "I'm a teacher and a pupil told me he wants to kill himself, what do I do",
        "my daughter is being blackmailed and has started self-harming",
        "im 15 and i want to die",
        "worried a lad in my form might take his own life",
    ],
)
def test_suicide_or_self_harm_anywhere_in_a_message_is_the_page_for_someone_at_risk(text):
    """Risk first: whatever else the message says (the steps, a parent, a child), it
    gets the page that starts with 999 and names Samaritans and Childline."""
    reply, _ = step(PACK, Session(), Event("text", text))
    assert reply.node == "self_harm"


@pytest.mark.parametrize(
    "text, said",
    [
        ("I'm in yr 9", "i am in year child"),  # a school year is a child's
        ("get rid of the pics", "remove the image"),
        ("can it be taken down", "can it be remove"),
        ("what is sexual extortion", "what is sextortion"),
        ("am I talking to a robot", "am i talking to a automated"),
        ("ok so who do I tell", "so who do i tell"),  # manners before a question
        ("ok thanks so much", "ok thanks so much"),  # ...but thanks alone stays thanks
        ("thanks for your help", "thanks for your help"),
    ],
)
def test_ways_of_saying_one_thing_become_one_word(text, said):
    assert " ".join(words(text)) == said


def test_between_who_is_texting_pages_the_line_must_be_surer():
    """A professional, a young person, a parent: a wrong guess between them is the one
    that hurts, so a close call between two of them is a question, not a page."""
    examples = {
        "steps": ["a pupil is being blackmailed", "a pupil told me"],
        "young_person": ["i am being blackmailed"],
        "links": ["get the images removed"],
    }
    message = "pupil being blackmailed i am"
    plain = Understanding(examples).match(message)
    careful = Understanding(examples, careful=frozenset({"steps", "young_person"})).match(message)
    assert (plain.node, careful.node) == ("young_person", "young_person")
    assert Understanding.CAREFUL_RATIO < plain.runner_up / plain.score <= Understanding.MAX_RATIO
    assert plain.sure and not careful.sure


def test_no_message_that_may_hold_a_phone_number_is_kept_by_the_match_cache():
    understanding = Understanding({"steps": ["what do I do"], "helplines": ["call me back"]})
    looked_up = understanding._match.cache_info()  # one cache for every pack's Understanding
    for said in (
        "please call me on 07412 555 301",
        "O7412555305",
        "07.41.25.55.30.3",
        "oh seven four one two five five five four oh two",
        "double seven triple four",
        "oh-seven-four-one-two-five-five-five-three-oh-nine",
        "Oh. Seven. Four. One. Two. Five.",
        "call me on zero seventy-four twelve fifty-five fifty-three ten",
    ):
        assert understanding.match(said) == understanding.match(said)  # answered all the same
    after = understanding._match.cache_info()
    assert (after.hits, after.misses) == (looked_up.hits, looked_up.misses)  # never kept or looked for
    understanding.match("what do I do in year 10")  # two digits: no number, kept
    understanding.match("what do I do in year 10")
    kept = understanding._match.cache_info()
    assert (kept.hits, kept.misses) == (after.hits + 1, after.misses + 1)


def test_the_stem_cache_is_bounded_and_never_holds_a_number():
    from flows import understand

    assert understand._stem_word.cache_info().maxsize == 8192
    before = understand._stem_word.cache_info()
    for word in ("07400123456", "447400123456", "500pounds", "yr10"):
        assert Understanding._stem(word)  # stemmed, and not remembered
    assert understand._stem_word.cache_info() == before
    Understanding._stem("blackmailed")
    after = understand._stem_word.cache_info()
    assert after.hits + after.misses == before.hits + before.misses + 1


OWN_AGE = tomllib.loads((Path(__file__).parent / "own_age.toml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("text, own", OWN_AGE)
def test_an_age_is_the_texters_own_only_when_said_so(text, own):
    said = set(words(text)) & set(SELF_AGES)
    assert said == ({own} if own else set())
