"""The console's health page and simulators over HTTP, and their "any input" claims."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Worker

from flows.model import FollowUp
from service.followups import asking
from service.line import Line
from service.state.embedded_redis import EmbeddedRedis
from service.state.store import uk_today
from service.web.console.counts import day_name
from service.web.console.accounts import Accounts
from tests.console_support import FLOODER, OTHER_TEXTER, PASSWORD, followup_config, make_traffic
from tests.fake_twilio import refused
from tests.service.test_console_accounts import Browser
from tests.service.test_end_to_end import forms_of
from tests.support import TEXTER, Twilio, message_text, run_followups


@pytest.fixture
def logged_in(live):
    line = live.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    browser = Browser(live.url)
    assert browser.login().status_code == 302
    return browser


def dd(html: str, term: str) -> str:
    return re.search(rf"<dt>{re.escape(term)}</dt><dd[^>]*>([^<]*)", html).group(1).strip()


def test_health_shows_the_queue_the_worker_and_the_last_hours_delivery_errors(serve, config, fake_twilio, redis_client):
    config = followup_config(config, fake_twilio)
    server = serve(config)
    line = Line.start(config)
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    browser = Browser(server.url)
    browser.login()

    page = browser.get("/console/health").text
    assert dd(page, "Waiting in the queue") == "0" and 'id="no-worker"' in page
    assert asking.request(line, FollowUp("followup", TEXTER), job_id="CA1:links") == "queued"
    page = browser.get("/console/health").text
    assert dd(page, "Waiting in the queue") == "1"
    assert "UK time (" in dd(page, "Oldest waiting")  # written as every page writes dates

    worker = Worker([asking.queue(line)], connection=line.store.redis, name="console-test-worker")
    worker.register_birth()
    try:
        page = browser.get("/console/health").text
        assert "console-test-worker" in page and "no-worker" not in page
        assert re.search(r'id="senders">Follow-up texts are being sent: the sender last checked in [^<]*UK time', page)
        assert "Nothing is sending the follow-up texts" not in page
        # Its heartbeat lapses (stopped or paused): RQ still counts it registered, but it is
        # not sending, and both the health page and what needs attention say so.
        line.store.redis.delete(worker.key)
        page = browser.get("/console/health").text
        assert 'id="no-worker"' in page and "Nothing is sending the follow-up texts" in page
    finally:
        worker.register_death()

    fake_twilio.script(refused(21211, "invalid number"))
    run_followups(line)
    page = browser.get("/console/health").text
    assert dd(page, "Delivery errors, last hour") == "1"
    assert dd(page, "Waiting in the queue") == "0"
    assert dd(page, "maxmemory-policy")


def test_what_needs_attention_is_listed_most_serious_first(logged_in, live):
    line = live.app.extensions["signpost"]
    line.store.note_error("delivery")
    line.store.note_error("webhook")
    page = logged_in.get("/console/summary").text
    listed = re.findall(r"<li[^>]*><a href=\"[^\"]*\">([^<]*)</a></li>", page.split('class="attention-list"')[1].split("</ul>")[0])
    # Texts or calls not answered in full, then no sender (no worker runs here), then the
    # failed follow-up, then the content's details to confirm and the store not saving.
    firsts = [
        next(i for i, text in enumerate(listed) if words in text)
        for words in ("error answering texts or calls", "Nothing is sending", "could not be delivered", "not set to save to disk")
    ]
    assert firsts == sorted(firsts), listed
    assert not any("Redis" in text or "worker" in text for text in listed), listed


def test_the_summary_says_when_the_line_last_had_a_conversation_on_a_day_with_none(logged_in, live):
    line = live.app.extensions["signpost"]
    three_days_ago = uk_today() - dt.timedelta(days=3)
    line.store.count_event(line.pack.id, "sms:conversation", three_days_ago)
    page = logged_in.get("/console/summary").text
    today = re.search(r'<p id="today">([^<]*)</p>', page).group(1)
    assert today == f"Today so far: 0 conversations; the last was on {day_name(three_days_ago)}."


# Forms as a browser, or anyone, might post them: the simulators replay what they are
# given through the flows, so nothing in a form may make them fail.
forms = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["send", "press", "say", "silence", "restart", "completed", "busy", "x", ""]),
        "message": st.text(max_size=600),
        "keys": st.text(alphabet="0123456789*#ab ", max_size=30),
        "words": st.text(max_size=250),
        "at": st.one_of(st.just(""), st.text(max_size=20), st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))),
        "caller": st.sampled_from(["mobile", "withheld", "junk"]),
        "did": st.lists(
            st.one_of(st.text(max_size=40), st.sampled_from(["key:1", "key:2", "say:helpline", "silence", "end:busy", "key:07400123456#"])),
            max_size=45,
        ),
    }
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=forms, path=st.sampled_from(["/console/simulator/sms", "/console/simulator/call"]))
def test_any_simulator_form_gets_a_page_and_writes_nothing(logged_in, redis_client, form, path):
    before = sorted(redis_client.scan_iter())
    answer = logged_in.post(path, form)
    assert answer.status_code == 200, answer.text[:500]
    assert sorted(redis_client.scan_iter()) == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    args=st.fixed_dictionaries(
        {},
        optional={
            "from": st.one_of(st.text(max_size=12), st.dates().map(str)),
            "to": st.one_of(st.text(max_size=12), st.dates().map(str)),
            "pack": st.one_of(st.text(max_size=20), st.just("en-GB-coventry")),
        },
    )
)
def test_any_usage_filter_gets_a_page_and_a_csv(logged_in, args):
    assert logged_in.get("/console/usage", params=args).status_code == 200
    csv = logged_in.get("/console/usage.csv", params=args)
    assert csv.status_code == 200 and csv.text.startswith("Day,Content,What was counted,Channel,Page or outcome,Count")


@pytest.mark.parametrize(
    "args",
    [{"to": "0001-01-03"}, {"from": "0001-01-01", "to": "0001-01-01"}, {"from": "9999-12-31", "to": "9999-12-31"}, {"from": "0001-01-01"}],
)
def test_a_day_at_the_calendars_ends_gets_a_page_and_a_csv(logged_in, args):
    # The default first day is a week before the last: before year 1 there is none.
    page = logged_in.get("/console/usage", params=args)
    assert page.status_code == 200, page.text[:300]
    csv = logged_in.get("/console/usage.csv", params=args)
    assert csv.status_code == 200 and csv.text.startswith("Day,Content,What was counted,Channel,Page or outcome,Count")


def test_while_redis_is_down_usage_and_its_csv_send_to_the_health_page_which_says_so(serve, config, tmp_path):
    own = EmbeddedRedis(tmp_path / "redis", persist=False)
    server = serve(config.with_(redis_url=own.start()))
    try:
        line = server.app.extensions["signpost"]
        Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
        browser = Browser(server.url)
        assert browser.login().status_code == 302
        assert browser.get("/console/usage.csv").status_code == 200
    finally:
        own.stop()
    # The session cannot be checked (a logout is kept in Redis): the health page alone opens.
    for path in ("/console/usage", "/console/usage.csv"):
        answer = browser.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/health"), path
    health = browser.get("/console/health")
    assert health.status_code == 503 and "cannot be reached" in health.text


def test_no_page_of_the_console_shows_a_texters_or_callers_number(serve, config, fake_twilio):

    config = followup_config(config, fake_twilio)
    server = serve(config)
    line = server.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    make_traffic(Twilio(server.url), Line.start(config), fake_twilio)
    browser = Browser(server.url)
    browser.login()
    pages = [
        browser.get(path).text
        for path in (
            "/console/summary",
            "/console/usage",
            "/console/usage.csv",
            "/console/content",
            "/console/review",
            "/console/health",
            "/console/simulator/sms",
            "/console/simulator/call",
        )
    ]
    pages.append(browser.post("/console/simulator/call", {"action": "press", "keys": "1", "did": ["key:1"]}).text)
    everything = "\n".join(pages)
    assert "Conversations (calls, and texts until a half-hour gap), each day" in everything  # the pages are there to search
    # Pages are named in words, never by their ids (the traffic has a STOP).
    assert "Opted out (texted STOP)" in pages[1] and ">opted_out<" not in pages[1]
    for number in (TEXTER, OTHER_TEXTER, FLOODER):
        for form in forms_of(number):
            assert form not in everything, form


def test_the_pack_filter_shows_one_partnerships_counts_only(serve, config, redis_client):
    example = Path(__file__).resolve().parent.parent / "packs" / "en-GB-example"
    server = serve(config.with_(packs={"+442079460999": str(example)}))
    line = server.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    twilio = Twilio(server.url)
    twilio.sms("hi")  # the default pack
    twilio.sms("hi", sender="+447400765432", To="+442079460999")
    twilio.sms("STOP", sender="+447400765432", To="+442079460999")
    browser = Browser(server.url)
    browser.login()
    example = next(p for p in line.every_pack if p.id != line.pack.id)
    example_id = example.id

    def spreadsheet(**params) -> list[list[str]]:
        return list(csv.reader(io.StringIO(browser.get("/console/usage.csv", params=params).text)))[1:]

    every, only = spreadsheet(), spreadsheet(pack=example_id)
    assert {row[1] for row in every} == {line.pack.name, example.name}  # named, not by id
    assert only and {row[1] for row in only} == {example.name}
    assert sorted(only) == sorted(row for row in every if row[1] == example.name)
    assert ["Asked for no more texts (STOP)", "SMS", "", "1"] in [row[2:] for row in only]
    page = browser.get("/console/usage", params={"pack": example_id}).text
    assert f'<option value="{example_id}" selected>' in page


@pytest.mark.parametrize("days, unit, most", [(7, "Day", 7), (60, "Week", 10), (400, "Month", 15)])
def test_long_ranges_are_charted_by_week_or_month_and_add_up(logged_in, live, days, unit, most):
    store = live.app.extensions["signpost"].store
    today = uk_today()
    for n in range(0, days, 3):  # a conversation every third day
        store.count_event("en-GB-coventry", "sms:conversation", day=today - dt.timedelta(days=n))
    start = (today - dt.timedelta(days=days - 1)).isoformat()
    page = logged_in.get("/console/usage", params={"from": start}).text
    section = page.split('id="conversations"')[1].split("</section>")[0]
    head = re.search(r"<thead[^>]*><tr[^>]*><th scope=\"col\"[^>]*>(\w+)</th>", section).group(1)
    assert head == unit
    counts = [int(c) for c in re.findall(r"<tr[^>]*><th scope=\"row\"[^>]*>[^<]*</th><td[^>]*>(\d+)</td>", section)]
    assert sum(counts) == len(range(0, days, 3))
    assert most - 1 <= len(counts) <= most


def test_the_review_page_never_runs_the_pack_check_in_a_request(logged_in, live, monkeypatch):
    """The check is a second of CPU in the process that answers the webhooks: it is made
    when the app starts, and a review page (here, ten of them side by side) only reads it."""
    import threading

    from service.web.console import reviews

    def no_check(*args, **kwargs):
        raise AssertionError("the pack check ran inside a request")

    monkeypatch.setattr(reviews, "check_pack", no_check)
    twilio = Twilio(live.url)
    answers: list[int] = []
    loads = [threading.Thread(target=lambda: answers.append(logged_in.get("/console/review").status_code)) for _ in range(10)]
    for load in loads:
        load.start()
    assert message_text(twilio.sms("hi"))  # answered meanwhile (how fast: tests/load/console_pages.py)
    for load in loads:
        load.join()
    page = logged_in.get("/console/review")
    assert page.status_code == 200 and "Marked to be confirmed" in page.text
    assert answers == [200] * 10  # a check run in a request would have raised: 500


def test_with_nothing_counted_every_page_says_so_in_the_same_words(logged_in):
    said = "Nothing was counted in these days. If people should have texted or called"
    calls, usage = logged_in.get("/console/calls").text, logged_in.get("/console/usage").text
    assert said in calls and said in usage
    assert "No caller heard this menu" not in calls


@pytest.mark.parametrize(
    "asked, said",
    [
        ("not-a-date", "is not a date"),
        ((uk_today() + dt.timedelta(days=3)).isoformat(), "has not happened yet"),
        ("2001-01-01", "keeps its counts for about 400 days"),
    ],
)
def test_a_summary_week_that_cannot_be_shown_says_why_and_shows_this_week(logged_in, asked, said):
    page = logged_in.get(f"/console/summary?week_ending={asked}")
    assert page.status_code == 200
    assert said in page.text and "This week:" in page.text and 'id="week-after"' not in page.text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asked=st.text(max_size=40))
def test_any_week_asked_for_gives_a_summary(logged_in, asked):
    assert logged_in.get("/console/summary", params={"week_ending": asked}).status_code == 200


def test_the_bare_web_address_leads_to_the_console_and_any_other_path_is_still_404(live):
    import requests

    root = requests.get(live.url + "/", allow_redirects=False, timeout=5)
    assert root.status_code == 302 and root.headers["Location"].endswith("/console/")
    assert requests.get(live.url + "/nothing-here", timeout=5).status_code == 404
