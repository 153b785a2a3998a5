"""The shipped pack holds the guidance of FACTS.md; a broken pack never loads."""

import pytest

from flows import gsm
from flows.pack import OPTED_OUT, PackError, load_pack
from flows.render import emergency_sms
from messages import DEFAULT_PACK_DIR

PACK = load_pack(DEFAULT_PACK_DIR)


def reachable_pages(pack):
    """Every SMS page a texter can reach from the main menu by numbers, or by asking
    for it in words (a page with example phrasings)."""
    seen, queue = set(), [pack.main_menu, *(t.id for t in pack.topics.values() if t.examples)]
    while queue:
        node = queue.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in pack.menus:
            queue.extend(pack.menus[node].options)
    return {node: pack.sms_pages[node] for node in seen}


REACHABLE = "\n".join(reachable_pages(PACK).values())

# From ../shared/FACTS.md: what a texter must be able to find, word for word.
FACTS = [
    # numbers (section 3)
    "0344 381 4772",
    "helpline@saferinternet.org.uk",
    "0808 800 5000",
    "help@nspcc.org.uk",
    "0800 1111",
    "24 hours",
    "101",
    "18001 101",
    "024 7678 8555",
    "024 7683 2222",
    "weekdays 10am to 4pm",
    "weekdays 8am to 10pm, weekends 9am to 6pm",
    # links (section 4)
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/report-remove/",
    "https://takeitdown.ncmec.org",
    "https://www.ceop.police.uk/Safety-Centre/",
    "https://saferinternet.org.uk/online-issue/sextortion",
    "https://saferinternet.org.uk/professionals-online-safety-helpline",
    "https://www.iwf.org.uk/resources/sextortion/parents-and-carers/",
    "https://www.csacentre.org.uk",
    "https://www.childline.org.uk",
    "https://www.coventry.gov.uk/coventry-local-safeguarding-children-board",
    "stopncii.org",
    # the four steps, the signs, how it happens, what it is (section 1)
    "Avoid blame",
    "DSL",
    "Emotional distress",
    "Social withdrawal",
    "Changes in online behaviour",
    "gift vouchers",
    "Unusual secrecy",
    "attitude to school",
    "sleep",
    "Self-harm",
    "suicide",
    "encrypted",
    "Blackmail",
    "hacked",
    "Sextortion is blackmail",
    "14 to 17",
    # national do's and don'ts (section 2)
    "Never look at, copy, screenshot, forward or save the images",
    "or ask anyone to send them",
    "child sexual abuse",
    "the child did nothing wrong",
    "reportedly most at risk",
    "Don't pay",
    "block",
    "Don't delete anything",
    "usernames",
    "payment details",
    "CEOP",
    # how the steps are said (section 1, corrected) and who is open out of hours (section 3)
    "never promise secrecy",
    "DSL decides how parents are told",
    "early unless it risks the child",
    "on their phone",
    "Never view, copy, screenshot, forward or save images",
    "No DSL?",
    "Don't message or confront them",
    "police 101",
    # emergency access (section 5)
    "press 55",
    "register",
    "18000",
    "BSL",
]


@pytest.mark.parametrize("fact", FACTS)
def test_every_fact_is_reachable_from_the_main_menu(fact):
    assert fact in REACHABLE


def test_the_four_steps_are_spoken_by_name_and_texted_as_what_to_do():
    """By text steps 2 to 4 lead with the action, not the guide's name for it (four parts
    hold "tell them not to pay" and the child's say that way); a caller hears the names."""
    spoken, texted = PACK.topics["steps"].voice, PACK.sms_pages["steps"]
    for name in ("avoid blame", "escalate", "work together", "take action"):
        assert name in spoken.lower()
    for action in ("Tell your DSL", "decides how parents are told", "Help them use Report Remove"):
        assert action in texted


def test_every_number_and_link_in_the_pack_is_reachable():
    for number in PACK.numbers.values():
        assert number.number in REACHABLE, number.id
    for link in PACK.links.values():
        assert link.url in REACHABLE, link.id


def test_every_page_starts_with_999_is_gsm_and_within_budget():
    for node, page in PACK.sms_pages.items():
        # Anyone may text STOP: its reply is worded for anyone.
        item = PACK.topics.get(node) or PACK.menus.get(node)
        reader = item.reader if item else "anyone" if node == OPTED_OUT else "professional"
        assert page.splitlines()[0] == emergency_sms(reader), node
        assert gsm.is_gsm(page), node
        assert gsm.segments(page) <= PACK.budget(node), node


def test_unconfirmed_facts_are_marked():
    assert PACK.numbers["posh"].confirm and PACK.numbers["nspcc"].confirm
    assert PACK.links["report_remove"].confirm and PACK.links["cscp"].confirm
    assert not PACK.numbers["childline"].confirm


def test_every_item_names_a_known_source():
    for items in (PACK.topics, PACK.numbers, PACK.links):
        for item in items.values():
            assert item.source and all(s in PACK.sources for s in item.source), item.id


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems_of(path):
    with pytest.raises(PackError) as caught:
        load_pack(path)
    return [str(p) for p in caught.value.problems]


def test_a_character_gsm_cannot_carry_is_an_error_naming_file_and_item(pack_copy):
    edit(pack_copy / "topics.toml", "1 Avoid blame:", "1 Avoid blame \U0001f64f:")
    [problem] = problems_of(pack_copy)
    assert problem.startswith("topics.toml:") and "topics.steps" in problem
    assert "U+1F64F" in problem


def test_curly_quotes_are_downgraded_not_errors(pack_copy):
    edit(pack_copy / "topics.toml", "Do and don't", "Do and don\u2019t")
    pack = load_pack(pack_copy)
    assert "1 Do and don't" in pack.sms_pages["more"]


def test_over_budget_reply_is_a_load_error_not_a_cut(pack_copy):
    edit(pack_copy / "topics.toml", "1 Emotional distress", "1 Emotional distress, " + "very " * 20)
    [problem] = problems_of(pack_copy)
    assert "topics.signs" in problem and "4 parts" in problem and "budget is 3" in problem


def test_a_reply_longer_than_a_message_can_be_is_a_load_error_whatever_its_budget(pack_copy):
    """WhatsApp has no parts: 1,600 characters (Twilio's limit for a message) holds every page."""
    edit(pack_copy / "topics.toml", 'title = "Warning signs"', 'title = "Warning signs"\nsegments = 12')
    edit(pack_copy / "topics.toml", "1 Emotional distress", "1 Emotional distress, " + "very " * 240)
    [problem] = problems_of(pack_copy)
    assert "topics.signs" in problem and "at most 1600" in problem


def test_every_page_fits_a_whatsapp_message():
    assert all(len(page) <= 1600 for page in PACK.sms_pages.values())


def test_dangling_reference(pack_copy):
    edit(pack_copy / "topics.toml", "{number.mash}", "{number.mash_typo}")
    [problem] = problems_of(pack_copy)
    assert "topics.steps" in problem and "mash_typo" in problem


def test_unknown_and_missing_fields(pack_copy):
    edit(pack_copy / "links.toml", 'title = "Take It Down"', 'titel = "Take It Down"')
    problems = problems_of(pack_copy)
    assert any("links.take_it_down" in p and "unknown field 'titel'" in p for p in problems)
    assert any("links.take_it_down" in p and "missing field 'title'" in p for p in problems)


def test_toml_syntax_error_names_the_line(pack_copy):
    edit(pack_copy / "numbers.toml", 'number = "0808 800 5000"', 'number = "0808 800 5000')
    [problem] = problems_of(pack_copy)
    assert problem.startswith("numbers.toml:") and "not valid TOML" in problem


def test_menu_option_that_names_nothing(pack_copy):
    edit(pack_copy / "menus.toml", '"websites"', '"webistes"')
    [problem] = problems_of(pack_copy)
    assert "menus.more" in problem and "webistes" in problem


def test_keyword_claimed_by_two_topics(pack_copy):
    edit(pack_copy / "topics.toml", 'keywords = ["signs"', 'keywords = ["steps", "signs"')
    problems = problems_of(pack_copy)
    assert any("'steps'" in p and "also a keyword" in p for p in problems)


def test_unknown_source(pack_copy):
    edit(pack_copy / "links.toml", 'source = "bsl999"', 'source = "nowhere"')
    [problem] = problems_of(pack_copy)
    assert "links.bsl999" in problem and "nowhere" in problem


# --- the voice line's content -------------------------------------------------------


def test_a_link_in_a_voice_text_is_an_error_naming_the_item(pack_copy):
    edit(pack_copy / "topics.toml", 'I can send you the links by text.\n"""', 'Go to {link.take_it_down}.\n"""')
    [problem] = problems_of(pack_copy)
    assert problem.startswith("topics.toml:") and "topics.steps" in problem
    assert "take_it_down" in problem and "read aloud" in problem


def test_a_link_in_what_the_line_says_is_an_error(pack_copy):
    edit(pack_copy / "voice.toml", 'slower = "I will speak more slowly."', 'slower = "I will speak more slowly. See {link.ceop}."')
    [problem] = problems_of(pack_copy)
    assert problem.startswith("voice.toml:") and "voice" in problem and "link.ceop" in problem


def test_a_voice_menu_with_more_than_5_choices(pack_copy):
    edit(pack_copy / "voice.toml", '"how", "what"]', '"how", "what", "access"]')
    [problem] = problems_of(pack_copy)
    assert "menus.voice_more" in problem and "6 choices" in problem and "at most 5" in problem


def test_a_voice_menu_offering_a_topic_with_no_voice_text(pack_copy):
    edit(pack_copy / "voice.toml", '"how", "what"]', '"how", "picture"]')
    [problem] = problems_of(pack_copy)
    assert "menus.voice_more" in problem and "'picture' has no voice text" in problem


def test_a_dangling_number_in_a_voice_text(pack_copy):
    edit(pack_copy / "topics.toml", "for referrals about a child: {number.mash}.", "for referrals about a child: {number.mash_typo}.")
    [problem] = problems_of(pack_copy)
    assert "topics.contacts" in problem and "mash_typo" in problem


def test_missing_and_unknown_voice_prompts(pack_copy):
    edit(pack_copy / "voice.toml", "reprompt = ", "re_prompt = ")
    problems = problems_of(pack_copy)
    assert any("'reprompt'" in p for p in problems) and any("'re_prompt'" in p for p in problems)


def test_too_short_a_wait_for_keys(pack_copy):
    edit(pack_copy / "voice.toml", "timeout = 8", "timeout = 5")
    [problem] = problems_of(pack_copy)
    assert "voice" in problem and "at least 8" in problem


def test_bad_opening_hours(pack_copy):
    edit(pack_copy / "numbers.toml", 'closes = "16:00"', 'closes = "4pm"')
    [problem] = problems_of(pack_copy)
    assert "numbers.posh" in problem and "HH:MM" in problem


def test_voice_main_menu_must_be_a_voice_menu(pack_copy):
    edit(pack_copy / "voice.toml", 'main_menu = "voice_main"', 'main_menu = "main"')
    [problem] = problems_of(pack_copy)
    assert "voice" in problem and "'main' is not a voice menu" in problem


def test_a_pack_without_a_voice_line_still_loads(pack_copy):
    (pack_copy / "voice.toml").unlink()
    pack = load_pack(pack_copy)
    assert pack.voice_main is None and "main" in pack.sms_pages


def test_the_voice_content_is_plain_ascii():
    for name in ("voice.toml", "topics.toml"):
        (DEFAULT_PACK_DIR / name).read_text(encoding="utf-8").encode("ascii")
