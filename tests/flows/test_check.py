"""``check_pack``: the shipped pack passes; each kind of mistake fails, naming file and item."""

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from flows.check import READING_EASE_MIN, check_pack, reading_ease, speaking_seconds
from flows.pack import load_pack
from messages import DEFAULT_PACK_DIR, EVALUATION_SET

TODAY = dt.date(2026, 11, 24)
EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"


@pytest.fixture
def example_copy(tmp_path):
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE_PACK, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def at(path, text, after=""):
    """``file:line`` of the first line of ``path`` holding ``text`` (past ``after``), as check names it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line)
    return f"{path.name}:{next(n for n, line in enumerate(lines, 1) if n > start and text in line)}"


def errors_of(path, today=TODAY):
    report = check_pack(path, today)
    assert not report.ok
    return [str(p) for p in report.errors]


def test_the_shipped_pack_passes():
    report = check_pack(DEFAULT_PACK_DIR, TODAY)
    assert report.ok, [str(p) for p in report.errors]
    assert report.summary().startswith("en-GB-coventry: 20 topics, 12 links, 13 numbers, ")
    assert report.summary().endswith(", 0 errors")


def test_the_shipped_pack_lists_what_needs_confirming_from_facts_md():
    report = check_pack(DEFAULT_PACK_DIR, TODAY)
    listed = {entry.item: entry for entry in report.to_confirm}
    assert {
        "numbers.posh",
        "numbers.nspcc",
        "links.report_remove",
        "links.posh_page",
        "links.csa_centre",
        "links.cscp",
        "links.revenge_porn_helpline",
        "topics.anyone",
        "topics.adult",
        "numbers.mash",
        "numbers.coventry_out_of_hours",
    } == set(listed)
    assert listed["numbers.posh"].note.startswith("closed on bank holidays")
    assert listed["numbers.posh"].where == at(DEFAULT_PACK_DIR / "numbers.toml", "[numbers.posh]")


def test_written_examples_join_their_page_and_one_naming_no_page_is_an_error(pack_copy):
    written = pack_copy / "examples" / "more.toml"
    written.write_text('[[case]]\ntext = "a dinner lady heard a pupil talk about this"\npage = "steps"\n', encoding="utf-8")
    assert "a dinner lady heard a pupil talk about this" in load_pack(pack_copy).topics["steps"].examples
    append(written, '\n[[case]]\ntext = "hello"\npage = "no_such_page"\n')
    errors = [str(p) for p in check_pack(pack_copy).errors]
    assert any("more.toml" in e and "'no_such_page' names no topic or menu" in e for e in errors), errors


def test_review_by_dates_are_listed_and_a_past_one_is_a_warning_not_an_error(pack_copy):
    edit(pack_copy / "links.toml", 'source = "bsl999"', 'source = "bsl999"\nreview_by = 2026-01-31')
    report = check_pack(pack_copy, TODAY)
    assert report.ok
    assert [(day, entry.item) for day, entry in report.review_by] == [
        (dt.date(2026, 1, 31), "links.bsl999"),
        (dt.date(2027, 5, 24), "pack"),
    ]
    [late] = [str(p) for p in report.warnings if "review-by" in p.message]
    assert late.startswith(f"{at(pack_copy / 'links.toml', 'review_by = 2026-01-31')}: links.bsl999:")
    assert "2026-01-31 has passed" in late


def test_the_pack_review_date_passing_is_a_warning():
    report = check_pack(DEFAULT_PACK_DIR, dt.date(2027, 6, 1))
    assert report.ok
    assert any(p.item == "pack" and "2027-05-24 has passed" in p.message for p in report.warnings)


@pytest.mark.parametrize("character", ["\u2019", "\u2014", "\u00a0", "\u2026"])
def test_a_character_the_renderer_would_downgrade_is_still_an_error_in_the_file(pack_copy, character):
    # In a spoken text: a page with no room to spare would also fail its budget.
    edit(pack_copy / "topics.toml", "Stop contact and block. Don't message", f"Stop contact and block. Don{character}t message")
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'topics.toml', character)}: topics.dos:")
    assert f"U+{ord(character):04X}" in error


def test_an_emoji_is_one_error_with_its_line(pack_copy):
    edit(pack_copy / "topics.toml", "1 Avoid blame:", "1 Avoid blame \U0001f64f:")
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'topics.toml', 'Avoid blame')}: topics.steps:")
    assert "U+1F64F" in error


@pytest.mark.parametrize(
    "old, new, item",
    [
        ('number = "024 7678 8555"', 'number = "024 7678 855"', "numbers.mash"),
        ('number = "0808 800 5000"', 'number = "0808 800 500"', "numbers.nspcc"),
        ('kind = "uan"', 'kind = "toll_free"', "numbers.posh"),  # 0344 is not free to call
        ('number = "101"', 'number = "1010"', "numbers.police"),
        ('number = "18001 101"', 'number = "18002 101"', "numbers.police_textphone"),
        ('number = "18001 101"', 'number = "18001 10"', "numbers.police_textphone"),
    ],
)
def test_an_invalid_number_for_its_kind_is_an_error(pack_copy, old, new, item):
    edit(pack_copy / "numbers.toml", old, new)
    errors = errors_of(pack_copy)
    [error] = [e for e in errors if e.startswith("numbers.toml:")]
    assert f": {item}: " in error and "not a valid" in error
    # A longer number may also take a page that is full to the brim past its budget.
    assert all(e == error or "the budget is" in e for e in errors), errors


def test_an_unknown_kind_of_number_is_an_error(pack_copy):
    edit(pack_copy / "numbers.toml", 'kind = "fixed_line"', 'kind = "landline"')
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'numbers.toml', 'landline')}: numbers.mash:")
    assert "'landline'" in error


def test_an_http_link_is_an_error(pack_copy):
    edit(pack_copy / "links.toml", "https://takeitdown.ncmec.org", "http://takeitdown.ncmec.org")
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'links.toml', 'http://')}: links.take_it_down:")
    assert "https://" in error


# Planted addresses go in the 999 BSL link: its page has room, so a longer address
# trips only the rule under test, not the page's segment budget.
BSL = "https://www.999bsl.co.uk"


@pytest.mark.parametrize("url", ["https://bit.ly/3xYzAbc", "https://tinyurl.com/report-remove", "https://www.t.co/abc"])
def test_a_url_shortener_is_an_error_even_when_listed(pack_copy, url):
    edit(pack_copy / "links.toml", BSL, url)
    edit(pack_copy / "pack.toml", '"ncmec.org",', '"ncmec.org", "bit.ly", "tinyurl.com", "t.co",')
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'links.toml', url)}: links.bsl999:")
    assert "shortener" in error


@pytest.mark.parametrize("url", ["https://999bsl.example.com", "https://not999bsl.co.uk/", "https://999bsl.co.uk.evil.example/"])
def test_a_link_off_the_allowed_domains_is_an_error(pack_copy, url):
    edit(pack_copy / "links.toml", BSL, url)
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'links.toml', url)}: links.bsl999:")
    assert "link_domains" in error


def test_a_subdomain_of_an_allowed_domain_is_fine(pack_copy):
    edit(pack_copy / "links.toml", BSL, "https://help.999bsl.co.uk")
    assert check_pack(pack_copy, TODAY).ok


def test_an_address_typed_into_a_text_is_an_error(pack_copy):
    edit(pack_copy / "topics.toml", "CSA Centre: {link.csa_centre}", "CSA Centre: https://csacentre.org.uk/")
    [error] = errors_of(pack_copy)
    assert "topics.websites" in error and "{link.NAME}" in error


def test_a_dangling_reference_is_an_error_naming_the_file(pack_copy):
    edit(pack_copy / "topics.toml", "{number.mash}", "{number.mash_typo}")
    [error] = errors_of(pack_copy)
    assert error.startswith("topics.toml:") and "topics.steps" in error and "mash_typo" in error


def test_an_over_budget_reply_is_an_error_naming_the_file(pack_copy):
    edit(pack_copy / "topics.toml", "1 Emotional distress", "1 Emotional distress, " + "very " * 20)
    [error] = errors_of(pack_copy)
    assert error.startswith("topics.toml:") and "topics.signs" in error and "budget is 3" in error


def test_a_schema_error_names_the_file_and_line(pack_copy):
    edit(pack_copy / "links.toml", 'about = "for adults"', 'abut = "for adults"')
    errors = errors_of(pack_copy)
    where = at(pack_copy / "links.toml", "abut =")
    assert any(e.startswith(f"{where}: links.stopncii:") and "'abut'" in e for e in errors)
    report = check_pack(pack_copy, TODAY)
    assert not report.loaded and report.summary().endswith(", 1 error")


def test_a_topic_no_menu_offers_is_an_error(pack_copy):
    append(pack_copy / "topics.toml", '\n[topics.orphan]\ntitle = "Orphan"\nsource = "guide"\nsms = "Hello."\n')
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'topics.toml', '[topics.orphan]')}: topics.orphan:")
    assert "no menu offers" in error


def test_a_menu_no_menu_offers_is_an_error(pack_copy):
    append(pack_copy / "menus.toml", '\n[menus.lost]\nchannel = "sms"\ntitle = "Lost"\noptions = ["steps"]\n')
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'menus.toml', '[menus.lost]')}: menus.lost:")


def test_a_submenu_reached_through_another_submenu_is_fine(pack_copy):
    edit(pack_copy / "menus.toml", '"websites", "access"]', '"deeper"]')
    append(pack_copy / "menus.toml", '\n[menus.deeper]\nchannel = "sms"\ntitle = "Deeper"\noptions = ["websites", "access"]\n')
    assert check_pack(pack_copy, TODAY).ok


def test_a_footer_without_the_way_back_is_a_warning(pack_copy):
    edit(pack_copy / "pack.toml", 'footer = "Reply 0 for the menu."', 'footer = "Thank you."')
    report = check_pack(pack_copy, TODAY)
    assert report.ok and any(p.item == "sms" and "0 or MENU" in p.message for p in report.warnings)


def test_an_empty_source_list_is_an_error(pack_copy):
    edit(pack_copy / "links.toml", 'source = "bsl999"', "source = []")
    [error] = errors_of(pack_copy)
    assert "links.bsl999" in error and "names no source" in error


VOICE_MENU = """
[menus.phone]
channel = "voice"
title = "Phone menu"
intro = "Exampleshire advice line."
options = {options}
"""


def test_voice_menus_and_texts_are_timed(example_copy):
    edit(
        example_copy / "topics.toml",
        'title = "First steps in Exampleshire"',
        'title = "First steps in Exampleshire"\nvoice = "Call {number.front_door}. Tell your DSL."',
    )
    append(example_copy / "menus.toml", VOICE_MENU.format(options='["first_steps", "local"]'))
    report = check_pack(example_copy, TODAY)
    assert report.ok, [str(p) for p in report.errors]
    # "Call 0 1 1 3, 4 9 6, 0 0 0 0. Tell your DSL." is 15 words: 6 seconds at 150 a minute.
    assert report.speech_seconds["topics.first_steps"] == 6
    # "Exampleshire advice line. Press 1 for First steps in Exampleshire. Press 2 for ..."
    assert report.speech_seconds["menus.phone"] == speaking_seconds(
        "Exampleshire advice line. Press 1 for First steps in Exampleshire. Press 2 for Exampleshire contacts.", 150
    )
    assert "999 line" in report.speech_seconds


def test_speaking_time_follows_the_rate():
    assert speaking_seconds("one two three four five six seven eight nine ten", 120) == 5
    assert speaking_seconds("one two three four five six seven eight nine ten", 150) == 4


def test_a_voice_menu_with_more_than_five_choices_is_an_error(example_copy):
    append(
        example_copy / "menus.toml", VOICE_MENU.format(options='["first_steps", "local", "first_steps", "local", "first_steps", "local"]')
    )
    errors = [str(p) for p in check_pack(example_copy, TODAY).errors]
    where = at(example_copy / "menus.toml", "[menus.phone]").split(":")[0]
    assert any(e.startswith(f"{where}:") and "menus.phone" in e and "6 choices" in e for e in errors)


def test_a_link_in_a_voice_text_is_an_error(example_copy):
    edit(
        example_copy / "topics.toml",
        'title = "Exampleshire contacts"',
        'title = "Exampleshire contacts"\nvoice = "Go to {link.partnership}."',
    )
    append(example_copy / "menus.toml", VOICE_MENU.format(options='["local"]'))
    errors = [str(p) for p in check_pack(example_copy, TODAY).errors]
    assert any("topics.local" in e and "{link.partnership}" in e for e in errors)


def test_a_voice_only_topic_is_reachable_from_the_voice_menu(example_copy):
    append(example_copy / "topics.toml", '\n[topics.spoken]\ntitle = "Spoken"\nsource = "example_guide"\nsms = "Hi."\nvoice = "Hello."\n')
    append(example_copy / "menus.toml", VOICE_MENU.format(options='["spoken", "first_steps"]'))
    assert check_pack(example_copy, TODAY).ok


def test_a_page_a_topic_has_texted_for_it_is_in_use(example_copy):
    append(example_copy / "topics.toml", '\n[topics.texted]\ntitle = "Texted"\nsource = "example_guide"\nsms = "Call us."\n')
    assert not check_pack(example_copy, TODAY).ok
    edit(example_copy / "topics.toml", 'title = "Exampleshire contacts"', 'title = "Exampleshire contacts"\nby_text = "texted"')
    assert check_pack(example_copy, TODAY).ok


def test_the_example_pack_passes_with_nothing_to_warn_about():
    report = check_pack(EXAMPLE_PACK, TODAY)
    assert report.ok and not report.warnings
    assert report.summary() == "en-GB-example: 2 topics, 1 link, 2 numbers, 0 warnings, 0 errors"


def test_reading_ease_warns_below_60():
    plain = "Tell your DSL today. Do not blame the child. Keep the messages."
    dense = (
        "Multi-agency safeguarding arrangements necessitate comprehensive documentation "
        "of organisational responsibilities regarding exploitation investigations."
    )
    assert reading_ease(plain) >= READING_EASE_MIN > reading_ease(dense)


def test_a_hard_to_read_text_is_a_warning_named_where_the_text_starts(example_copy):
    edit(
        example_copy / "topics.toml",
        "Stay calm and do not blame the child.",
        "Remuneration of perpetrators necessitates comprehensive institutional consideration.",
    )
    report = check_pack(example_copy, TODAY)
    assert report.ok
    [hard] = [str(p) for p in report.warnings]
    where = at(example_copy / "topics.toml", "sms = ", after="[topics.first_steps]")
    assert hard.startswith(f"{where}: topics.first_steps: sms text reads at ")


def test_a_list_without_full_stops_scores_line_by_line():
    signs = "\n".join(
        ["Warning signs:", "1 Emotional distress", "2 Social withdrawal", "3 Poor sleep", "4 Unusual secrecy", "5 Change in school work"]
    )
    assert reading_ease(signs) > reading_ease(signs.replace("\n", " "))


def test_an_address_typed_into_a_menu_is_an_error(pack_copy):
    edit(pack_copy / "menus.toml", 'title = "More"\nintro = "Reply', 'title = "More"\nintro = "See bit.ly/abc. Reply')
    [error] = errors_of(pack_copy)
    assert error.startswith(f"{at(pack_copy / 'menus.toml', '[menus.more]')}: menus.more:")
    assert "shortener" in error


@pytest.mark.parametrize("typed", ["999bsl.co.uk/help", "www.999bsl.co.uk", "http://999bsl.co.uk"])
def test_a_bare_or_http_address_typed_into_a_text_is_an_error(pack_copy, typed):
    edit(pack_copy / "topics.toml", "app or {link.bsl999}", f"app or {typed}")
    where = f"{at(pack_copy / 'topics.toml', 'sms = ', after='[topics.access]')}: topics.access:"
    # (The spoken page now promises a link by text that its text lacks: a second error.)
    assert any(error.startswith(where) and "https://" in error for error in errors_of(pack_copy))


def test_hours_in_words_that_disagree_with_the_opening_table_are_flagged(tmp_path):
    import shutil

    from messages import DEFAULT_PACK_DIR

    copy = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK_DIR, copy)
    edit(copy / "numbers.toml", 'opens = "10:00", closes = "16:00"', 'opens = "09:30", closes = "16:00"')
    warnings = [str(p) for p in check_pack(copy, TODAY).warnings]
    assert any("numbers.posh" in w and "9.30am" in w for w in warnings)
    assert not any("numbers.posh" in str(w) and "hours" in str(w) for w in check_pack(DEFAULT_PACK_DIR, TODAY).warnings)


@pytest.mark.parametrize(
    "old, new, item",
    [
        ("9 9 9 B S L is a free", "999 B S L is a free", "topics.access"),
        ("reaches {number.emergency} by text relay", "reaches 999 by text relay", "topics.access"),
    ],
)
def test_999_said_as_a_number_in_a_voice_text_is_an_error(pack_copy, old, new, item):
    edit(pack_copy / "topics.toml", old, new)
    errors = errors_of(pack_copy)
    assert any(item in e and "999 as a number" in e for e in errors), errors


def test_999_said_as_a_number_by_the_line_is_an_error(pack_copy):
    edit(
        pack_copy / "voice.toml",
        'reprompt = "Please press a key, or say what you need."',
        'reprompt = "Please press a key. In an emergency, call 999."',
    )
    assert any("reprompt says 999 as a number" in e for e in errors_of(pack_copy))


def test_the_links_promised_by_voice_must_be_in_the_text_sent(pack_copy):
    # The 4 steps promise the links; their own page has none.
    edit(pack_copy / "topics.toml", '# Its links page is what "I can send you the links by text" promises.\nby_text = "followup"\n', "")
    errors = errors_of(pack_copy)
    assert any("topics.steps" in e and "I can send you the links by text" in e and "'steps'" in e for e in errors), errors


def test_a_link_named_before_the_promise_must_be_in_the_text_sent(pack_copy):
    edit(
        pack_copy / "topics.toml",
        "Take It Down: {link.take_it_down}\nTaken at 18+: {link.stopncii}\nStaff",
        "Taken at 18+: {link.stopncii}\nProfessionals",
    )
    errors = errors_of(pack_copy)
    for topic in ("topics.steps", "topics.links"):
        assert any(topic in e and "Take It Down" in e and "'followup'" in e for e in errors), errors


def test_a_page_offered_as_the_links_must_have_links(pack_copy):
    edit(pack_copy / "topics.toml", 'by_text = "followup"\nkeywords = ["links"', 'by_text = "signs"\nkeywords = ["links"')
    errors = errors_of(pack_copy)
    assert any("topics.links" in e and "by_text sends 'signs'" in e for e in errors), errors


def test_a_long_first_line_of_a_voice_text_is_a_warning(pack_copy):
    assert not [w for w in check_pack(pack_copy, TODAY).warnings if "first line" in str(w)]
    edit(
        pack_copy / "topics.toml",
        "4 steps: avoid blame, escalate, work together, take action.",
        "4 steps: " + "avoid blame, escalate, work together, take action, " * 6 + "in that order.",
    )
    warnings = [str(w) for w in check_pack(pack_copy, TODAY).warnings]
    assert any("topics.steps" in w and "first line" in w and "999" in w for w in warnings), warnings


def test_the_shipped_pack_reports_how_well_it_understands_free_text():
    report = check_pack(DEFAULT_PACK_DIR, TODAY, cases=EVALUATION_SET)
    assert report.ok and report.understanding.passed
    assert report.understanding.total >= 200 and report.understanding.held_out_total >= 50


def test_a_pack_whose_examples_understand_too_little_is_an_error(pack_copy):
    topics = pack_copy / "topics.toml"
    # Keep the examples of one page only: most texts now get the menu.
    text = topics.read_text(encoding="utf-8")
    kept = text.index("[topics.thanks]")
    head = re.sub(r"^examples = \[\n.*?\n\]\n", "", text[:kept], flags=re.M | re.S)
    topics.write_text(head + text[kept:], encoding="utf-8")
    (pack_copy / "page_model.json").unlink()  # what the examples alone do (a model learns them on training)
    report = check_pack(pack_copy, TODAY, cases=EVALUATION_SET)
    assert report.understanding.accuracy < 0.9
    assert any("of the evaluation set" in p.message and "add examples" in p.message for p in report.errors)


def test_a_confident_wrong_page_for_a_safety_case_is_an_error(pack_copy):
    # Move the examples of "is anyone there?" to the helplines page.
    topics = pack_copy / "topics.toml"
    text = topics.read_text(encoding="utf-8")
    block = re.search(r"(\[topics\.anyone\]\ntitle = [^\n]*\n)examples = \[\n(.*?)\n\]\n", text, re.S)
    text = text.replace(block.group(0), block.group(1) + "examples = []\n")
    text = text.replace('examples = [\n    "helpline number",', "examples = [\n" + block.group(2) + '\n    "helpline number",')
    topics.write_text(text, encoding="utf-8")
    (pack_copy / "page_model.json").unlink()  # what the examples alone do (a model learns them on training)
    report = check_pack(pack_copy, TODAY, cases=EVALUATION_SET)
    assert any("confidently" in p.message and p.item == "topics.helplines" for p in report.errors)


def test_an_example_added_since_the_page_model_was_trained_is_an_error(pack_copy):
    edit(
        pack_copy / "topics.toml",
        'examples = [\n    "helpline number",',
        'examples = [\n    "a number to ring about it",\n    "helpline number",',
    )
    report = check_pack(pack_copy, TODAY)
    assert any(p.item == "page model" and "signpost train-risk" in p.message for p in report.errors), report.errors


def test_without_an_evaluation_set_nothing_is_measured(pack_copy):
    assert check_pack(pack_copy, TODAY, cases=pack_copy / "no-such-file.toml").understanding is None


def test_examples_the_line_reads_alike_on_two_pages_are_a_warning(pack_copy):
    # The shipped pack keeps each way of asking on one page.
    assert not [w for w in check_pack(DEFAULT_PACK_DIR, TODAY).warnings if "reads the same" in str(w)]
    written = pack_copy / "examples" / "more.toml"
    written.write_text('[[case]]\ntext = "Can I TALK to a person?"\npage = "anyone"\n', encoding="utf-8")
    warned = [str(w) for w in check_pack(pack_copy, TODAY).warnings if "reads the same" in str(w)]
    assert len(warned) == 1
    assert warned[0].startswith("examples/more.toml:2: topics.anyone: ") and "an example of helplines" in warned[0]
    assert "'can I talk to a person' (topics.toml:" in warned[0]
