"""The pack checks its own safety: each unsafe wording a safeguarding review found in a
reply, planted in a copy of the shipped pack, makes ``signpost check`` fail naming it;
the shipped pack passes. And what the line says now, page by page, for each finding."""

from __future__ import annotations

import datetime as dt

import pytest

from flows import Event, Session, safety, step
from flows.check import check_pack
from flows.pack import load_pack
from flows.pack.open_now import added_numbers
from flows.render import EMERGENCY_SMS_ANYONE
from messages import DEFAULT_PACK_DIR
from tests.flows.test_check import edit

TODAY = dt.date(2026, 11, 24)
PACK = load_pack(DEFAULT_PACK_DIR)
UTC = dt.timezone.utc


def unsafe(path) -> list[str]:
    report = check_pack(path, TODAY)
    return [str(p) for p in report.errors if "unsafe" in p.message]


def test_the_shipped_pack_is_safe():
    assert safety.findings(PACK) == []
    assert not unsafe(DEFAULT_PACK_DIR)


# Each as a safeguarding content review read it in a reply (issue: safe words).
PLANTED = [
    # Step 4 telling staff to handle the images.
    (
        "4 Help them use Report Remove or Take It Down on their phone.",
        "4 Report the images with Report Remove or Take It Down.",
        "topics.steps",
        "report the images",
    ),
    (
        "Step 4: take action. Never look at",
        "Step 4: take action. Report Remove and Take It Down let you report the images. Never look at",
        "topics.steps",
        "let you report",
    ),
    # Parents told to get rid of the images.
    (
        "Don't delete anything: keep the chats.",
        "Keep chats. Never keep the images.",
        "topics.parent",
        "never keep the images",
    ),
    (
        "Don't delete anything: keep the chats.",
        "Keep messages. Get rid of the images.",
        "topics.parent",
        "get rid of the images",
    ),
    # "Illegal" on a page a child may read.
    ("Don't send them here.", "Don't send: illegal.", "topics.picture", "illegal"),
    # Overpromising removal, and parents "must" be told.
    (
        "Report Remove, from Childline, can help get images taken down.",
        "Report Remove, from Childline, can get your images taken down.",
        "topics.young_person",
        "can get your images taken down",
    ),
    (
        "3 The DSL decides how parents are told, early unless it risks the child.",
        "3 Parents must be told.",
        "topics.steps",
        "parents must be told",
    ),
]


@pytest.mark.parametrize("old, new, item, phrase", PLANTED, ids=[p[3] for p in PLANTED])
def test_a_planted_unsafe_phrase_fails_the_check_naming_page_and_phrase(pack_copy, old, new, item, phrase):
    edit(pack_copy / "topics.toml", old, new)
    found = unsafe(pack_copy)
    assert any(item in e and "never-say" in e and repr(phrase) in e for e in found), found


def test_illegal_is_for_professionals_pages_only(pack_copy):
    edit(pack_copy / "topics.toml", "forward or save images.", "forward or save images: illegal.")
    assert not unsafe(pack_copy)


def test_a_young_persons_page_without_childline_or_no_one_reads_fails(pack_copy):
    edit(pack_copy / "topics.toml", "Childline, free, 24 hours: {number.childline}\n", "")
    edit(pack_copy / "topics.toml", "\nThis line is automated: no one reads this.\n", "\n")
    found = unsafe(pack_copy)
    assert any("topics.young_person" in e and "must name childline" in e for e in found), found
    assert any("topics.young_person" in e and "'no one reads'" in e for e in found), found


def test_an_at_risk_page_without_a_text_service_fails(pack_copy):
    edit(pack_copy / "topics.toml", "Text SHOUT to {number.shout}, 24 hours\n", "")
    edit(pack_copy / "topics.toml", "Or text SHOUT to {number.shout}. ", "")
    found = unsafe(pack_copy)
    assert any("topics.self_harm" in e and "text service open 24 hours" in e for e in found), found


def test_an_at_risk_page_without_a_24_hour_phone_fails(pack_copy):
    edit(pack_copy / "topics.toml", "Samaritans {number.samaritans}, free, 24 hours\n", "")
    edit(pack_copy / "topics.toml", "Under 19? Childline {number.childline}, 24 hours\n", "")
    found = unsafe(pack_copy)
    assert any("topics.self_harm" in e and "sms" in e and "phone line open 24 hours" in e for e in found), found


def test_a_page_naming_only_closed_helplines_fails_naming_the_hour(pack_copy):
    # Nobody to name for professionals when the helplines close.
    edit(pack_copy / "pack.toml", 'professional = ["coventry_out_of_hours", "mash"]', "professional = []")
    found = unsafe(pack_copy)
    assert any("topics.helplines" in e and "open-helpline" in e and "December 2026" in e for e in found), found


def test_a_planted_phrase_in_a_spoken_phrase_fails_too(pack_copy):
    edit(pack_copy / "voice.toml", 'slower = "I will speak more slowly."', 'slower = "I will speak more slowly. Never keep the images."')
    assert any("voice" in e and "slower" in e and "never keep the images" in e for e in unsafe(pack_copy))


def test_a_never_say_entry_the_line_cannot_read_fails(pack_copy):
    edit(pack_copy / "safety.toml", '{ phrase = "suicide epidemic",', '{ phrase = "suicide epidemic", readers = ["teachers"],')
    assert any("safety" in e and "never_say" in e for e in unsafe(pack_copy))


# --- what the line says now, finding by finding -----------------------------------


def sms(text: str, at: dt.datetime | None = None) -> str:
    return step(PACK, Session(), Event("text", text, at=at))[0].text


def test_step_4_has_the_young_person_report_and_staff_never_handle_the_images():
    steps = sms("steps")
    assert "Help them use Report Remove or Take It Down on their phone" in steps
    assert "tell them not to pay" in steps and "Ask the child's view" in steps
    assert "Never view, copy, screenshot, forward or save images" in steps and "report the images" not in steps.lower()
    assert "never promise secrecy" in steps and "No DSL?" in steps and "024 7678 8555" in steps
    assert "police 101" in steps


def test_parents_are_told_not_to_delete_and_not_to_blame():
    parent = sms("my son is being blackmailed")
    assert parent.splitlines()[0] == EMERGENCY_SMS_ANYONE
    assert "Don't blame your child" in parent and "Don't delete anything" in parent
    assert "never keep" not in parent.lower() and "Don't pay, reply or confront them. Block them." in parent


def test_a_parent_is_told_999_for_a_missing_child_or_a_meeting_and_a_young_person_has_a_way_out_at_18():
    parent = sms("my son has been talking to someone he met online and now they want pictures")  # no danger said
    assert "Missing, meeting them or in danger? 999." in parent
    # A child missing, or run away, is danger now: the page for someone at risk, with 999 for it.
    for said in ("my daughter is missing and was meeting someone she met online", "my son ran away with someone he met online"):
        assert "Missing, told to meet them or they're outside? Call 999." in sms(said), said
    young = sms("someone has my pics and wants money, im 15")
    assert "Under 19? Childline" in young and "18 or over? Reply ADULT" in young
    # Independent reads: anything about a teacher telling parents may stop a child telling anyone.
    assert "Tell an adult you trust: they can help." in young and "teacher" not in young
    assert "It is not your fault" in sms("ADULT")


def test_the_at_risk_page_has_a_text_service_and_what_a_teacher_does():
    page = sms("a pupil told me he wants to kill himself")
    for words in (
        "You are not alone",
        "116 123",
        "Text SHOUT to 85258",
        "No one reads this line",
        "Stay with them",
        "tell your safeguarding lead now",
    ):
        assert words in page


def test_the_picture_page_does_not_say_illegal_and_the_young_persons_page_says_automated():
    assert "illegal" not in sms("here is the screenshot").lower()
    young = sms("im 15 and being blackmailed")
    assert "This line is automated: no one reads this." in young
    assert "0800 1111" in young and "illegal" not in young.lower()


def test_the_adult_page_has_a_number_not_your_fault_and_101():
    adult = sms("I'm 30 and being blackmailed with my photos")
    assert "It is not your fault" in adult and "0345 6000 459" in adult and "101" in adult


def test_the_fallback_has_dont_pay_report_remove_a_24_hour_number_and_no_menu():
    fallback = PACK.sms_pages["fallback"]
    assert "Don't pay" in fallback and "Report Remove" in fallback and "116 123" in fallback
    assert "Reply 0" not in fallback


# Saturday 26 December 2026, 23:00: a weekend night and a bank holiday.
NIGHT = dt.datetime(2026, 12, 26, 23, tzinfo=UTC)
TUESDAY_11AM = dt.datetime(2026, 11, 24, 11, tzinfo=UTC)


def test_out_of_hours_a_page_names_someone_open_now_and_not_in_the_day():
    assert "Open now: Out-of-hours social care 024 7683 2222" in sms("helplines", NIGHT)
    assert "Open now" not in sms("helplines", TUESDAY_11AM)
    anyone = sms("is anyone there", NIGHT)
    assert "Samaritans 116 123, 24 hours" in anyone and "Childline 0800 1111, free, 24 hours" in anyone
    assert "out of hours: nspcc" not in anyone.lower()


@pytest.mark.parametrize("topic", [t for t in PACK.topics if PACK.topics[t].sms])
def test_at_every_half_hour_of_a_week_each_page_names_a_helpline_open_then(topic):
    """Across a week with a weekend and Christmas: whatever the page names with hours,
    either one is open, or the page adds one that is (computed, never written by hand)."""
    from flows.pack.open_now import keeping_hours, moments

    text, reader = PACK.topics[topic].sms, PACK.topics[topic].reader
    limited = keeping_hours(PACK, text)
    # A number open day and night that the page names for its reader keeps it right.
    if any(PACK.openings[n].always for n in PACK.open_now.get(reader, ()) if f"{{number.{n}}}" in text):
        return
    for at in moments():
        if limited and not any(PACK.openings[n].is_open(at) for n in limited):
            added = added_numbers(PACK, text, reader, at)
            assert added and all(PACK.openings[n].is_open(at) for n in added), (topic, at)
            page = PACK.sms_page(topic, at)
            assert all(PACK.numbers[n].number in page for n in added), (topic, at)


def test_at_night_a_parent_is_given_someone_who_can_act_and_helplines_say_childline_is_24_hours():
    tuesday_3am = dt.datetime(2026, 12, 8, 3, 0, tzinfo=dt.timezone.utc)
    parent = sms("my son is being blackmailed", at=tuesday_3am)
    assert "Open now: Out-of-hours social care 024 7683 2222" in parent
    assert "Childline, under 19: 0800 1111, 24 hours" in sms("helplines", at=tuesday_3am)


def test_the_spoken_fallback_names_childline_for_a_child_calling():
    fallback = PACK.voice_say["fallback"]
    assert "Childline" in fallback and "0 8 0 0, 1 1 1 1" in fallback
