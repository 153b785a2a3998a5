"""A safeguarding manager's first look, in real Chromium on a desktop and a phone: a week of
traffic, what needs attention, the follow-ups that failed, charts that can be read."""

from __future__ import annotations

import datetime as dt

import pytest

from service.state.store import uk_today
from service.web.console.accounts import Accounts
from service.web.console.counts import day_name
from tests.browser.conftest import DESKTOP, PHONE
from tests.console_support import PASSWORD, seed_weeks
from tests.support import Twilio

WIDTHS = pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
WHATSAPP_TEXTERS = [f"whatsapp:+4474001000{n:02d}" for n in range(5)]


@pytest.fixture
def week(serve, config):
    """A server with two weeks of counts before today and, today, real webhooks: an SMS
    and five WhatsApp conversations."""
    server = serve(config)
    line = server.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    totals = seed_weeks(line.store.redis, line.pack.id, uk_today())
    twilio = Twilio(server.url)
    twilio.sms("hi")
    for sender in WHATSAPP_TEXTERS:
        twilio.sms("hi", sender=sender)
    return server, totals


def text_of(tab, selector: str) -> str:
    return " ".join(tab.page.inner_text(selector).split())


def rows(page, selector: str) -> dict[str, list[str]]:
    found = page.eval_on_selector_all(f"{selector} tr", "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))")
    return {row[0]: row[1:] for row in found[1:]}


@WIDTHS
def test_the_summary_gives_the_week_at_a_glance_and_what_needs_attention(week, console_tab, width):
    server, totals = week
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    assert tab.page.url.endswith("/console/summary")

    by_channel = rows(tab.page, "#channels")
    people = {c: totals[f"{c}:conversation"] for c in ("sms", "whatsapp", "voice")}
    assert by_channel["SMS"][0] == str(people["sms"] + 1)  # today's text too
    assert by_channel["WhatsApp"][0] == str(people["whatsapp"] + 5)
    assert by_channel["Calls"][0] == str(people["voice"])
    everyone = sum(people.values()) + 6
    assert by_channel["All"][0] == str(everyone)
    assert int(by_channel["All"][1]) < everyone and "more than the week before" in by_channel["All"][2]
    assert text_of(tab, "#people .big") == str(everyone)
    assert text_of(tab, "#today") == "Today so far: 6 conversations."  # the text and five WhatsApps
    assert text_of(tab, "#delivered .big") == "6 of 12"
    assert "6 failed" in text_of(tab, "#delivered")
    assert "The week before: 5 of 10, 5 failed" in text_of(tab, "#delivered")
    assert text_of(tab, "#opt-outs .big") == "3"
    assert "1 more than the week before (2)" in text_of(tab, "#opt-outs")
    # The pages people came for, not the menus they passed through on the way.
    top = tab.page.locator("#top-pages li").all_inner_texts()
    assert len(top) == 4 and not any("menu" in page.lower() for page in top), top  # four pages were seeded
    assert top[0].startswith("What to do now: ") and top[0].endswith("the week before)")

    # The health page's problems and the review's items, each a link to the page that says more.
    attention = text_of(tab, "#attention")
    assert "Nothing is sending the follow-up texts" in attention  # no worker runs in this test
    assert "store is not set to save to disk" in attention  # the tests' Redis keeps nothing
    assert "to confirm against where they came from" in attention
    # A review date months away needs nothing yet, so it is not listed.
    review_by = server.app.extensions["signpost"].pack.review_by
    if review_by and review_by > uk_today() + dt.timedelta(days=31):
        assert "review" not in attention.lower()
    assert tab.page.locator("#attention a[href$='#queue-h']").count() >= 1
    assert tab.page.locator("#attention a[href$='#confirm-h']").count() == 1
    assert tab.sideways() == 0
    tab.screenshot(f"summary-{width}")  # docs/console-summary.png is the desktop one
    assert tab.accessible() == []

    # Every other page carries the list in its header while anything stands.
    for path in ("/console/usage", "/console/health", "/console/review", "/console/content"):
        tab.open(path)
        # (on a phone, folded to one line: the list is opened from it)
        assert "Nothing is sending the follow-up texts" in tab.page.locator("#attention-banner").text_content(), path


@WIDTHS
def test_the_summary_steps_back_a_week_and_counts_put_throughs(week, console_tab, width):
    server, _ = week
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    # Four callers were put through this week, three the week before (seeded).
    # And whether the helpline answered each: three did, one did not.
    said = "put through to a helpline: 4, 1 more than the week before (3): 3 answered, 1 not answered (busy, no answer or no"
    assert said in text_of(tab, "#put-through")
    now = rows(tab.page, "#channels")
    assert tab.page.locator("#week-after").count() == 0  # nothing after this week
    tab.page.click("#week-before")
    assert "week_ending=" + (uk_today() - dt.timedelta(days=7)).isoformat() in tab.page.url
    before = rows(tab.page, "#channels")
    # The week before, shown as a week of its own: what this week's page set beside it.
    assert {name: counts[0] for name, counts in before.items()} == {name: counts[1] for name, counts in now.items()}
    assert "That week:" in text_of(tab, "main") and "Pages most asked for that week" in text_of(tab, "#top-h")
    # Every link from that week's summary shows that week, not this one.
    ended = (uk_today() - dt.timedelta(days=7)).isoformat()
    links = tab.page.eval_on_selector_all("main a[href*='/console/usage'], main a[href*='/console/calls']", "as => as.map(a => a.href)")
    assert len(links) >= 3 and all(f"to={ended}" in href for href in links if "from=" in href or "to=" in href), links
    assert sum("to=" in href for href in links) >= 3
    tab.page.click("#put-through a")
    assert f"to={ended}" in tab.page.url
    tab.page.go_back()
    assert tab.sideways() == 0
    assert tab.accessible() == []
    tab.page.click("#week-after")
    assert rows(tab.page, "#channels") == now


@WIDTHS
def test_failed_follow_ups_are_told_apart_and_explained(week, console_tab, width):
    server, _ = week
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/usage")
    outcomes = rows(tab.page, "#followups table")
    assert outcomes["Asked for"] == ["12"] and outcomes["Delivered"] == ["6"]
    failed = "Not delivered: Twilio could not deliver it: the phone was switched off or out of signal"
    assert outcomes[failed] == ["4"]
    # Told apart by words, a cross-hatched red bar and a red row, not colour alone.
    assert tab.page.locator("#followups svg rect.failed").count() == 3
    # Drawn with the cross-hatch, as the legend says, not painted over in the ordinary blue.
    fills = tab.page.eval_on_selector_all("#followups svg rect.failed", "bars => bars.map(b => getComputedStyle(b).fill)")
    assert fills and all("cross" in fill for fill in fills), fills
    assert tab.page.locator("#followups tr.failed").count() == 3
    assert tab.page.locator("#followups svg text.label.failed").first.text_content().startswith("Not delivered")
    # Each Twilio code in plain words, with Twilio's page for it.
    codes = tab.page.locator("#followup-codes a")
    assert codes.count() == 3
    assert codes.first.get_attribute("href") == "https://www.twilio.com/docs/api/errors/30003"
    assert "30003" in codes.first.inner_text() and "switched off" in text_of(tab, "#followup-codes li:first-child")
    # No label, legend or number is cut off, in any chart: each ends inside it.
    cut = tab.page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart text')).filter(t =>
        t.getBBox().x + t.getBBox().width > t.ownerSVGElement.viewBox.baseVal.width).map(t => t.textContent)""")
    assert cut == []
    # Opt-outs and opt-ins are not added up: a bar and a number each, every day.
    days = len(rows(tab.page, "#optouts table"))
    assert tab.page.locator("#optouts svg text.value").count() == 2 * days
    tab.screenshot(f"usage-week-{width}")
    assert tab.accessible() == []


@WIDTHS
def test_charts_share_one_axis_a_row_a_day_dates_one_way_and_readable_on_a_phone(week, console_tab, width):
    server, _ = week
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/usage")
    today = uk_today()
    days = [day_name(today - dt.timedelta(days=n)) for n in range(6, -1, -1)]
    labels = tab.page.locator("#conversations svg text.label").all_text_contents()
    assert [label for label in labels if label not in ("SMS", "WhatsApp", "Calls")] == days  # a row a day
    assert list(rows(tab.page, "#conversations table")) == days  # written the same way in the table
    ticks = tab.page.locator("#conversations svg text.tick").all_text_contents()
    assert ticks[0] == "0" and len(ticks) >= 3  # an axis with its scale written on it
    # WhatsApp is drawn: today's bar has three segments' worth (SMS and WhatsApp).
    assert rows(tab.page, "#conversations table")[days[-1]][:2] == ["1", "5"]
    assert tab.smallest_text("#conversations svg") >= 12
    assert tab.smallest_text("#followups svg") >= 12
    assert tab.sideways() == 0


def test_usage_on_a_phone_is_cards_of_a_few_lines_with_a_list_of_its_charts_first(week, console_tab):
    server, _ = week
    tab = console_tab(server.url, PHONE)
    tab.login("dana", PASSWORD)
    tab.open("/console/usage")
    # Each row of counts is its heading and its numbers side by side beneath it, not a line
    # a number: a page of a week's counts is a few screens, not a dozen.
    lines = tab.page.evaluate("""() => Array.from(document.querySelectorAll('#conversations tbody tr, #pages tbody tr')).map(tr =>
        tr.getBoundingClientRect().height / parseFloat(getComputedStyle(tr.querySelector('td')).lineHeight))""")
    assert lines and max(lines) < 3.5, max(lines)
    contents = tab.page.locator("nav.contents a")
    sections = tab.page.locator("section.chart-section h2").all_text_contents()
    assert contents.all_text_contents() == sections
    contents.last.click()
    assert tab.page.evaluate("location.hash") == "#" + tab.page.locator("section.chart-section").last.get_attribute("id")
    assert tab.accessible() == []


@WIDTHS
@pytest.mark.parametrize(
    "path",
    [
        "/console/usage",
        "/console/review",
        "/console/health",
        "/console/content",
        "/console/summary",
        "/console/simulator/sms",
        "/console/simulator/call",
        "/console/calls",
    ],
)
def test_no_page_scrolls_sideways(week, console_tab, width, path):
    server, _ = week
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    tab.open(path)
    assert tab.sideways() == 0, path
    # Nor is a number or a word in a table split across lines to fit (a table wider than
    # the phone scrolls within itself instead, and can be reached by keyboard to scroll).
    split = tab.page.evaluate("""() => {
        const split = [];
        for (const cell of document.querySelectorAll('th, td')) {
            const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                for (const m of node.data.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                    if (range.getClientRects().length > 1) split.push(m[0]);
                }
            }
        }
        return split;
    }""")
    assert split == [], (path, split)
    # Nor is any of a table out of sight to the right: on a phone, counts are cards.
    hidden = tab.page.evaluate("""() => Array.from(document.querySelectorAll('table.cards'))
        .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.caption ? t.caption.innerText : t.id)""")
    assert hidden == [], (path, hidden)
    assert tab.accessible() == [], path


@WIDTHS
def test_call_paths_show_what_callers_chose_in_each_phone_menu(week, console_tab, width):
    server, totals = week
    calls = totals["voice:conversation"]
    pack = server.app.extensions["signpost"].pack
    tab = console_tab(server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/calls")
    main = rows(tab.page, f"#menu-{pack.voice_main} table")
    steps, helplines = pack.topics["steps"], pack.topics["helplines"]
    by_title = {
        title: counts
        for title, counts in (
            (row[0], row[1:])
            for row in tab.page.eval_on_selector_all(
                f"#menu-{pack.voice_main} tbody tr",
                "rows => rows.map(r => [r.querySelector('th').innerText, ...[1, 2, 3, 4].map(n => r.cells[n].innerText)])",
            )
        )
    }
    # 25 a week: 4 a day, six days before today; 8 asked by text, 9 hung up while hearing it.
    assert by_title[steps.spoken_title or steps.title] == ["1", str(6 * 4), "8", "9"]
    assert by_title[helplines.spoken_title or helplines.title] == ["2", str(6 * 2), "4", "0"]
    # The texts asked for from each page add up to the follow-ups counted above them.
    assert sum(int(counts[2]) for counts in by_title.values()) == 12
    assert "5 callers hung up while hearing it" in tab.page.inner_text(f"#menu-{pack.voice_main}")
    assert main  # the table is there, one row an option
    assert "12 follow-up texts" in tab.page.inner_text("#texts-asked")
    # The calls in these days, as the summary counts them, beside the menus heard more often.
    assert text_of(tab, "#calls").startswith(f"{calls} calls in these days.")
    through = tab.page.inner_text("#put-through")
    assert "put through to a helpline 4 times (each a call the line pays for), all from the page Helplines" in through
    assert "3 answered, 1 not answered" in through
    assert "+44" not in tab.page.inner_text("main")
    assert tab.sideways() == 0
    tab.screenshot(f"calls-{width}")
    assert tab.accessible() == []
