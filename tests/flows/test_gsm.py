import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import gsm


def test_every_basic_character_costs_one_septet():
    assert len(gsm.BASIC) == 127  # 128 code points, one of them the escape to the extension table
    for c in gsm.BASIC:
        assert gsm.is_gsm(c)
        assert gsm.septets(c) == 1


@pytest.mark.parametrize("c", sorted(gsm.EXTENDED))
def test_extension_characters_cost_two(c):
    assert gsm.is_gsm(c)
    assert gsm.septets(c) == 2


@pytest.mark.parametrize(
    "text, parts",
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("é" * 160, 1),  # é is in the basic set
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments(text, parts):
    assert gsm.segments(text) == parts


# A character that takes two units (an extension character in GSM-7, a surrogate pair
# in UCS-2) is never split across parts: at each boundary, one unit short of room
# sends it whole to the next part. A = septet filler, E = UCS-2 filler.
A, E, PAIR = "a", "\u00ea", "\U0001f600"


@pytest.mark.parametrize(
    "text, parts",
    [
        # 160/161: a single part holds 160 septets, the bracket included.
        (A * 158 + "[", 1),
        (A * 159 + "[", 2),
        # 306/307: "[" at septet 153 cannot share part 1; it opens part 2.
        (A * 151 + "[" + A * 153, 2),  # 306 septets, the bracket whole in part 1
        (A * 152 + "[" + A * 152, 3),  # 306 septets, but the bracket straddles 153/154
        (A * 152 + "[" + A * 153, 3),  # 307
        # 459/460: the page, "[" at septet 306.
        (A * 305 + "[" + A * 152, 4),  # 459 septets, 4 parts, not 3
        (A * 304 + "[" + A * 153, 3),  # 459 septets, the bracket whole in part 2
        (A * 304 + "[" + A * 154, 4),  # 460
        # 70/71 in UCS-2: an emoji is two UTF-16 units.
        (E * 68 + PAIR, 1),
        (E * 69 + PAIR, 2),
        # 134/135: the pair at units 67/68 opens part 2.
        (E * 65 + PAIR + E * 67, 2),  # 134 units, the pair whole in part 1
        (E * 66 + PAIR + E * 66, 3),  # 134 units, but the pair straddles 67/68
        (E * 66 + PAIR + E * 67, 3),  # 135
        (E * 134, 2),
        (E * 135, 3),
    ],
)
def test_two_unit_characters_are_never_split(text, parts):
    assert gsm.segments(text) == parts


@given(st.text(alphabet=st.sampled_from("a[\u00ea\U0001f600"), max_size=700))
def test_parts_never_fewer_than_the_length_allows(text):
    units = gsm.septets(text) if gsm.is_gsm(text) else len(text.encode("utf-16-le")) // 2
    single, multi = (160, 153) if gsm.is_gsm(text) else (70, 67)
    parts = gsm.segments(text)
    assert parts == 1 if units <= single else parts >= -(-units // multi)


@given(st.text(alphabet=st.sampled_from("a[\u00ea\U0001f600"), max_size=700), st.sampled_from("a[\u00ea\U0001f600"))
def test_a_longer_text_never_costs_less(text, more):
    assert gsm.segments(text + more) >= gsm.segments(text)


@pytest.mark.parametrize(
    "before, after",
    [
        ("\u201cquoted\u201d", '"quoted"'),
        ("don\u2019t", "don't"),
        ("10am\u20134pm", "10am-4pm"),
        ("wait\u2014now", "wait-now"),
        ("and so on\u2026", "and so on..."),
        ("\u2022 item", "- item"),
        ("go \u2192 here", "go -> here"),
        ("3\u00d74", "3x4"),
        ("no\u00a0break", "no break"),
        ("caf\u00ea", "cafe"),
    ],
)
def test_downgrade(before, after):
    assert gsm.downgrade(before) == after
    assert gsm.is_gsm(gsm.downgrade(before))


def test_what_cannot_be_downgraded_is_reported_not_dropped():
    text = gsm.downgrade("help 😀 \u4e2d")
    assert "😀" in text and "\u4e2d" in text
    assert gsm.non_gsm(text) == ["😀", "\u4e2d"]


@given(st.text(alphabet=st.sampled_from(sorted(gsm.BASIC | gsm.EXTENDED | set(gsm.DOWNGRADES)))))
def test_downgraded_look_alikes_are_always_gsm(text):
    assert gsm.is_gsm(gsm.downgrade(text))


@given(st.text())
def test_downgrade_never_adds_non_gsm_characters(text):
    assert set(gsm.non_gsm(gsm.downgrade(text))) <= set(text)
