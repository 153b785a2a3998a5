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
