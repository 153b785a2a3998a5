"""The console through a real login in headless Chromium: every page measured by axe-core,
screenshotted, and reaching no host but the app."""

from __future__ import annotations

import csv
import datetime as dt
import io


from flows.check import check_pack
from flows.render import EMERGENCY_SMS, EMERGENCY_SMS_ANYONE, EMERGENCY_VOICE, EMERGENCY_VOICE_SHORT
from service.web.console.accounts import ATTEMPTS, Accounts
from service.state.embedded_redis import EmbeddedRedis
from service.followups.asking import queue
from service.line import Line
from service.state.store import uk_today
from service.web.console.counts import day_name
from tests.console_support import PASSWORD, followup_config, make_traffic
from tests.support import Twilio


def table(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tr", "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))")


def assert_accessible(tab, name: str):
    tab.screenshot(name)
    assert tab.accessible() == [], name


def test_no_accounts_page_says_how_to_add_one(serve, config, console_tab):
    tab = console_tab(serve(config).url)
    tab.open("/console/")
    assert "signpost users add NAME" in tab.page.inner_text("main")
    assert_accessible(tab, "no-accounts")


def test_usage_charts_and_csv_come_from_what_real_webhooks_counted(serve, config, fake_twilio, console_tab):
    config = followup_config(config, fake_twilio)
    server = serve(config)
    line = server.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    expected = make_traffic(Twilio(server.url), Line.start(config), fake_twilio)

    tab = console_tab(server.url)
    tab.login("dana", PASSWORD)
    assert tab.page.url.endswith("/console/summary")
    tab.open("/console/usage")
    page = tab.page
    today = day_name(uk_today())

    conversations = {row[0]: row[1:] for row in table(page, "#conversations table")[1:]}
    assert table(page, "#conversations table")[0] == ["Day", "SMS", "WhatsApp", "Calls", "All"]
    assert conversations[today] == [
        str(expected.sms_conversations),
        "0",
        str(expected.voice_conversations),
        str(expected.sms_conversations + expected.voice_conversations),
    ]
    opt = {row[0]: row[1:] for row in table(page, "#optouts table")[1:]}
    assert opt[today] == [str(expected.opt_outs), str(expected.opt_ins)]
    flooded = {row[0]: row[1:] for row in table(page, "#flooded table")[1:]}
    assert flooded[today] == [str(expected.flooded), "0", "0"]  # one number's flood; no ceiling of the line
    followups = {row[0]: row[1] for row in table(page, "#followups table")[1:]}
    assert followups == {"Asked for": "1", "Handed to Twilio to send": "1", "Delivered": "1"}
    pages = {row[0]: row[1:] for row in table(page, "#pages table")[1:]}
    assert pages["Helplines"][0] == "2"  # "helpline" texted, and "3" from the main menu by the flooder

    # The charts are drawn from the same numbers, each bar labelled in text: one row a
    # day, the channels stacked in it.
    labels = page.locator("#conversations svg text.label").all_text_contents()
    assert labels.count(today) == 1 and {"SMS", "WhatsApp", "Calls"} <= set(labels)
    assert page.locator("#followups svg text.value").all_text_contents() == ["1", "1", "1"]

    # The CSV holds every count.
    download = page.request.get(server.url + page.get_attribute("#csv", "href"))
    assert download.ok and download.headers["content-type"].startswith("text/csv")
    exported = list(csv.reader(io.StringIO(download.text())))
    # In words, as the page says them: no ids of packs, pages, channels or outcomes.
    assert ["Day", "Content", "What was counted", "Channel", "Page or outcome", "Count"] == exported[0]
    iso = uk_today().isoformat()
    assert [iso, line.pack.name, "Conversations", "SMS", "", str(expected.sms_conversations)] in exported
    assert [iso, line.pack.name, "Follow-up texts callers asked for", "SMS", "Delivered", "1"] in exported
    helplines = [row for row in exported if row[2] == "Pages read or heard" and row[4] == "Helplines"]
    assert helplines and all(row[3] in {"SMS", "WhatsApp", "Calls"} for row in helplines)
    ids = {line.pack.id, *line.pack.topics, *line.pack.menus}
    assert not ids & {cell for row in exported for cell in row}

    assert_accessible(tab, "usage")

    # A range with nothing in it, one pack: one message, no rows of zeros.
    tab.open(f"/console/usage?from=2020-01-01&to=2020-01-03&pack={line.pack.id}")
    for chart in ("conversations", "pages", "followups", "optouts", "flooded"):
        assert "Nothing was counted in these days" in page.inner_text(f"#{chart}")
        assert page.locator(f"#{chart} table, #{chart} svg").count() == 0


def test_content_and_review_pages_show_the_pack_as_sent(app_server, console_tab):
    pack = app_server.app.extensions["signpost"].pack
    tab = console_tab(app_server.url)
    tab.login("dana", PASSWORD)
    tab.open("/console/content")
    page = tab.page
    assert page.locator("#sms ~ article, section[aria-labelledby=sms] article").count() == len(pack.sms_variants)
    for node_id, text in pack.sms_pages.items():
        shown = page.inner_text(f"#sms-{node_id} pre")
        assert shown.splitlines()[0] in (EMERGENCY_SMS, EMERGENCY_SMS_ANYONE)
        assert shown.strip() == text.strip()
    assert page.locator("section[aria-labelledby=voice] article").count() >= len(pack.voice_texts)
    assert "seconds to say" in page.inner_text("#voice-steps")
    for topic in pack.voice_texts:  # the keys the voice flow offers after each page
        keys = page.inner_text(f"#voice-{topic} .facts")
        assert "1 by text" in keys
        assert ("2 put through" in keys) == bool(pack.topics[topic].transfer)
    assert page.locator("ul.tree").count() == 2
    # Each page in the menu trees links to its words below (the page is long on a phone).
    targets = page.eval_on_selector_all("ul.tree a", "links => links.map(a => a.getAttribute('href'))")
    assert "#sms-steps" in targets and "#voice-steps" in targets
    assert all(page.locator(target).count() == 1 for target in targets)
    # A question between two pages, as sent: the 999 line first.
    example = page.inner_text("#pair-example").splitlines()
    assert example[0] == EMERGENCY_SMS and example[1] == pack.pair_question
    assert_accessible(tab, "content")

    report = check_pack(pack.path, uk_today())
    tab.open("/console/review")
    assert page.locator("#review-items > li").count() == len(report.to_confirm) + len(report.review_by)
    overdue = page.locator("#review-items > li.overdue").count()
    assert page.locator(f"#review-items > li:nth-child(-n+{overdue or 1})").first.get_attribute("class") == (
        "review-item overdue" if overdue else "review-item"
    )  # overdue ones first
    readable = [w for w in report.warnings if "has passed" not in w.message]
    # Messages the risk model takes for a crisis are the safe mistake: told together, in
    # words for the partnership, not as items to act on; and no sentence ends twice.
    misread = [w for w in readable if "the risk model reads" in w.message]
    assert page.locator("#warnings li").count() == len(readable) - len(misread)
    assert page.locator("#misread details li").count() == len(misread)
    said = page.inner_text("main")
    assert "risk model" not in said and "Flesch" not in said and "?." not in said and ".." not in said
    assert_accessible(tab, "review")


def test_simulated_text_and_call_write_nothing_and_queue_nothing(app_server, console_tab, redis_client):
    pack = app_server.app.extensions["signpost"].pack
    tab = console_tab(app_server.url)
    tab.login("dana", PASSWORD)
    before = {k: redis_client.dump(k) for k in redis_client.scan_iter()}
    page = tab.page

    tab.open("/console/simulator/sms")
    for text in ("hi", "1", "STOP"):
        page.fill("#message", text)
        with page.expect_navigation():
            page.click("button[value=send]")
    turns = page.locator("#transcript > li")
    assert turns.count() == 3
    # Latest first: the STOP, then the steps, then the menu.
    assert page.inner_text("#transcript > li:nth-child(2) .line pre").strip() == pack.sms_pages["steps"].strip()
    assert "would record an opt-out" in page.inner_text("#transcript > li:nth-child(1)")
    assert_accessible(tab, "simulator-sms")

    tab.open("/console/simulator/call")
    page.fill("#at", "2026-12-25T11:00")  # Christmas Day: the helpline is closed
    with page.expect_navigation():
        page.click("button[value=settings]")
    for key in ("1", "1", "1"):  # what to do now; by text; yes, my mobile
        page.fill("#keys", key)
        with page.expect_navigation():
            page.click("button[value=press]")
    said = page.inner_text("#transcript")
    # As the line says it: in full as the call starts, in short on every turn after.
    assert said.count(EMERGENCY_VOICE) >= 1 and said.count(EMERGENCY_VOICE_SHORT) >= 2
    sent = pack.topics["steps"].by_text or "steps"  # the page a caller gets by text after the steps
    christmas = dt.datetime(2026, 12, 25, 11, tzinfo=dt.timezone.utc)
    assert page.inner_text(".text-me pre").strip() == pack.sms_page(sent, christmas).strip()
    assert "7400123456" not in page.content() and "123456" not in page.inner_text("main")
    assert_accessible(tab, "simulator-call")

    after = {k: redis_client.dump(k) for k in redis_client.scan_iter()}
    assert after == before
    assert queue(app_server.app.extensions["signpost"]).count == 0


def test_health_says_so_while_redis_is_down(serve, config, console_tab, tmp_path):
    own = EmbeddedRedis(tmp_path / "redis", persist=False)
    url = own.start()
    try:
        server = serve(config.with_(redis_url=url))
        line = server.app.extensions["signpost"]
        Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
        tab = console_tab(server.url)
        tab.login("dana", PASSWORD)
        tab.open("/console/health")
        # Plain words first; Redis's own settings and the workers' names behind a disclosure.
        assert tab.page.inner_text("#store-state").startswith("The line's records (opt-outs and counts) can be read and written.")
        assert not tab.page.locator("#redis").is_visible()
        tab.page.click("#technical summary")
        assert "maxmemory-policy" in tab.page.inner_text("#redis")
        assert tab.page.locator("#no-persistence").count() == 1  # the tests' Redis keeps nothing on disk
        assert tab.page.inner_text("#webhook-errors") == "0"
        assert_accessible(tab, "health")
    finally:
        own.stop()
    response = tab.open("/console/health")
    assert response.status == 503
    assert "store is not answering" in tab.page.inner_text("#redis-down")
    assert "Redis" not in tab.page.inner_text("#redis-down")  # the manager's words; Redis's own below
    tab.page.click("#technical summary")
    assert "it cannot be reached" in tab.page.inner_text("#redis-error")
    assert line.pack.name in tab.page.inner_text("#packs")
    assert_accessible(tab, "health-redis-down")


def test_five_failed_logins_lock_the_account_with_a_neutral_message(app_server, console_tab):
    tab = console_tab(app_server.url)
    for n in range(ATTEMPTS):
        tab.login("dana", f"not the password {n}")
        first = tab.page.inner_text("#login-problem")
    assert "15 minutes" in first
    tab.login("dana", PASSWORD)
    assert tab.page.url.endswith("/console/login")
    # Waiting says so, and until when; not whether the account or the address waits.
    waiting = tab.page.inner_text("#login-problem")
    assert "waits until" in waiting
    assert not any(word in waiting.lower() for word in ("password", "name", "locked", "account", "address"))
    assert_accessible(tab, "login-locked")
