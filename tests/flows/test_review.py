"""The content review record: every page as sent and said, its reader, sources and the
safety rules it passed, ready to sign; a page that breaks a rule is marked FAILED."""

from __future__ import annotations

import datetime as dt
import shutil

from flows.evaluation import Case
from flows.pack import load_pack
from flows.review import record
from messages import DEFAULT_PACK_DIR

TODAY = dt.date(2026, 12, 5)


def test_the_record_has_every_page_as_sent_and_said_with_sources_and_rules():
    pack = load_pack(DEFAULT_PACK_DIR)
    text = record(pack, TODAY)
    assert "every safety rule passed" in text and "Sign-off" in text
    for topic in pack.topics.values():
        assert f"`topics.{topic.id}`" in text
        assert pack.sms_pages[topic.id] in text
        for source in topic.source:
            assert pack.sources[source]["title"] in text
    assert "If you or anyone else is in danger now, hang up and call 9 9 9. Samaritans are free" in text
    assert "While its helplines are closed it adds: `Open now: Out-of-hours social care 024 7683 2222`" in text
    assert "passed never-say, reader-must, at-risk-numbers" in text


def test_the_record_has_every_menu_as_texted_and_as_a_call_hears_it():
    pack = load_pack(DEFAULT_PACK_DIR)
    text = record(pack, TODAY)
    for menu in pack.menus.values():
        assert f"`menus.{menu.id}`" in text
        if menu.channel == "sms":
            assert pack.sms_pages[menu.id] in text
    # The call's first turn as the caller hears it: 999 first, the greeting, every choice.
    opening = next(line for line in text.splitlines() if line.startswith("> If a child is in immediate danger, hang up and call 9 9 9."))
    assert pack.voice_say["greeting"] in opening
    assert all(f"press {key}." in opening for key in range(1, len(pack.menus[pack.voice_main].options) + 1))


def test_a_page_that_breaks_a_rule_is_marked_failed(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK_DIR, target)
    topics = target / "topics.toml"
    topics.write_text(topics.read_text().replace("Don't delete anything: keep the chats.", "Keep chats. Never keep the images.", 1))
    text = record(load_pack(target), TODAY)
    assert "safety findings, marked below" in text
    assert "FAILED: says 'never keep the images'" in text


def test_the_record_shows_the_page_each_realistic_text_reaches_and_marks_another():
    pack = load_pack(DEFAULT_PACK_DIR)
    routed = [Case("what are the warning signs", "signs", False, False), Case("what are the warning signs", "helplines", False, False)]
    text = record(pack, TODAY, routed)
    assert "1 of 2 as expected" in text and "1 of 2 realistic texts reach the page a person would expect" in text
    assert "| what are the warning signs | Warning signs | Warning signs |" in text
    assert "| what are the warning signs | Helplines | **Another page: Warning signs** |" in text
    assert "Which page a message reaches" not in record(pack, TODAY)
