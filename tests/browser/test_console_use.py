"""Ordinary use of the console, in real Chromium on a desktop and a phone: two tabs, an old
link, a lockout, the simulators by keyboard, a deep link through the login."""

from __future__ import annotations

import pytest

from flows.check import check_pack
from service.state.store import uk_today
from service.web.console.accounts import ATTEMPTS
from tests.browser.conftest import DESKTOP, PHONE
from tests.console_support import PASSWORD

WIDTHS = pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])


def styled_error(tab) -> str:
    """The page is in the console's frame, titled as an error, saying what happened."""
    page = tab.page
    assert page.title().startswith("Error: "), page.title()
    assert page.locator("link[rel=stylesheet]").count() == 1 and page.locator(".error-summary").count() == 1
    assert "CSRF" not in page.inner_text("body") and "Bad Request" not in page.inner_text("body")
    return " ".join(page.inner_text("main").split())


@WIDTHS
def test_a_second_login_tab_and_a_logout_elsewhere_get_pages_that_say_what_to_do(app_server, console_tab, width):
    first = console_tab(app_server.url, width)
    first.open("/console/login")
    second = first.page.context.new_page()
    second.goto(app_server.url + "/console/login")  # same browser, a second tab
    second.fill("#username", "dana")
    second.fill("#password", PASSWORD)
    with second.expect_navigation():
        second.click("button[type=submit]")
    # The first tab's form is now out of date: it is shown again, the name kept, to try again.
    first.page.fill("#username", "dana")
    first.page.fill("#password", PASSWORD)
    with first.page.expect_navigation():
        first.page.click("button[type=submit]")
    said = styled_error(first)
    assert "logged in or out in another tab" in said and "Enter your name and password again" in said
    assert first.page.input_value("#username") == "dana"
    assert first.accessible() == []
    first.page.fill("#password", PASSWORD)
    with first.page.expect_navigation():
        first.page.click("button[type=submit]")
    assert first.page.url.endswith("/console/summary")

    # Log out in one tab, then use a form in the other.
    first.open("/console/simulator/sms")
    second.goto(app_server.url + "/console/summary")
    with second.expect_navigation():
        second.click("button:text('Log out')")
    first.page.fill("#message", "hi")
    with first.page.expect_navigation():
        first.page.click("button[value=send]")
    said = styled_error(first)
    assert "out of date" in said and "Nothing was changed" in said
    assert first.page.locator("main a[href$='/console/login']").count() == 1
    first.screenshot(f"error-stale-{width}")
    assert first.accessible() == []


@WIDTHS
def test_an_unknown_console_address_gets_the_consoles_own_not_found_page(app_server, console_tab, width):
    tab = console_tab(app_server.url, width)
    tab.login("dana", PASSWORD)
    response = tab.open("/console/no-such-page")
    assert response.status == 404
    said = styled_error(tab)
    assert "Page not found" in said and "start from the summary" in said
    assert tab.page.locator("main a[href$='/console/summary']").count() == 1
    # Its header is every page's: what needs attention stays in view (no worker runs here).
    assert "Nothing is sending the follow-up texts" in tab.page.locator("#attention-banner").text_content()
    assert tab.accessible() == []
    assert tab.open("/sms/nothing").status == 404  # outside the console, nothing changes
    # The Log out button's address, opened as a page, says how to log out.
    assert tab.open("/console/logout").status == 405
    assert "Logging out is a button" in styled_error(tab)


@WIDTHS
def test_a_lockout_says_so_and_until_when_and_keeps_the_name(app_server, console_tab, width):
    tab = console_tab(app_server.url, width)
    for n in range(ATTEMPTS):
        tab.login("dana", f"not the password {n}")
        assert tab.page.input_value("#username") == "dana"  # kept after each failure
    assert "The name or password is not right" in tab.page.inner_text("#login-problem")
    tab.login("dana", PASSWORD)
    said = styled_error(tab)
    assert "too many failed tries" in said and "waits until" in said and "(UK time)" in said
    assert "Colleagues who have logged in from the same place before can still log in" in said
    assert tab.page.input_value("#username") == "dana"
    tab.screenshot(f"login-locked-{width}")
    assert tab.accessible() == []


@WIDTHS
def test_the_text_simulator_keeps_the_reply_and_the_box_in_view_and_says_when_empty(app_server, console_tab, width):
    tab = console_tab(app_server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/simulator/sms")
    page = tab.page
    for text in ("hi", "1", "2"):
        focused(page, "message")  # focus starts in the box (autofocus lands just after the load)
        page.keyboard.type(text)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        focused(page, "message")
        # The reply is read from its first line, and the box is there to type the next.
        assert in_view(page, "#message") and starts_in_view(page, "#latest", "#send")
    page.click("#message")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing typed
    assert "Type a text in the box" in page.inner_text("#sim-problem")
    assert page.title().startswith("Error: ") and page.locator("#transcript > li").count() == 3
    tab.screenshot(f"simulator-sms-{width}")
    assert tab.accessible() == []


@WIDTHS
def test_in_the_call_simulator_enter_does_what_the_box_is_for(app_server, console_tab, width):
    tab = console_tab(app_server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/simulator/call")
    page = tab.page
    focused(page, "keys")
    page.keyboard.type("2")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Pressed 2" in page.inner_text("#latest")
    page.click("#words")
    page.keyboard.type("helplines")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # says the words, rather than pressing an empty key
    assert 'Said "helplines"' in page.inner_text("#latest")
    focused(page, "words")
    assert in_view(page, "#words") and starts_in_view(page, "#latest", ".composer")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing typed
    assert "Type the words the caller says" in page.inner_text("#sim-problem")
    page.click("#keys")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Type a key" in page.inner_text("#sim-problem")
    # Asking for a text, a mobile number keyed then # as the line asks: the text is shown.
    for keys in ("1", "2", "07812345678#", "1"):  # text it; another mobile; this one; yes, that is right
        page.fill("#keys", keys)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "not a UK mobile" not in page.inner_text("#latest"), keys
    assert page.locator("#latest .text-me").count() == 1
    tab.screenshot(f"simulator-call-{width}")
    assert tab.accessible() == []


def focused(page, id: str) -> None:
    """Wait (up to 5 s) for the field to have focus; fails the test if it never does."""
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id", arg=id, timeout=5000)


def starts_in_view(page, selector: str, composer: str) -> bool:
    """The element's first lines are in the window, below what the user types in."""
    top, above, height = page.evaluate(
        "([sel, composer]) => [document.querySelector(sel).getBoundingClientRect().top,"
        " document.querySelector(composer).getBoundingClientRect().bottom, window.innerHeight]",
        [selector, composer],
    )
    return above <= top and top + 3 * 24 <= height


def in_view(page, selector: str) -> bool:
    box = page.evaluate(
        "(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; }",
        selector,
    )
    top, bottom, height = box
    return top >= 0 and 0 < bottom <= height


@WIDTHS
def test_a_deep_link_survives_the_login_and_the_login_asks_for_no_command(app_server, console_tab, width):
    tab = console_tab(app_server.url, width)
    tab.open("/console/health")
    assert "/console/login" in tab.page.url
    login = tab.page.inner_text("main")
    assert "signpost" not in login and "Ask whoever runs the line" in login
    tab.page.fill("#username", "dana")
    tab.page.fill("#password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("button[type=submit]")
    assert tab.page.url.endswith("/console/health")


@WIDTHS
def test_the_review_page_is_written_for_the_partnership(app_server, console_tab, width):
    pack = app_server.app.extensions["signpost"].pack
    report = check_pack(pack.path, uk_today())
    tab = console_tab(app_server.url, width)
    tab.login("dana", PASSWORD)
    tab.open("/console/review")
    page = tab.page
    text = page.inner_text("main")
    assert "Flesch" not in text and "signpost check" not in text
    # What people get, as they get it: numbers and addresses, never the editors' {number.x}.
    words = page.locator("#review-items .words").all_inner_texts()
    assert words and not any("{" in w for w in words)
    assert any(pack.numbers["police"].number in w for w in words)
    first = page.locator("#review-items > li").first
    assert first.locator(".why").inner_text().startswith("Marked to be confirmed")
    # A detail to confirm has a date to plan by: the content's review, when it has none of its own.
    assert pack.review_by and pack.review_by.strftime("%Y") in first.locator(".when").inner_text()
    # Each page listed links to it as people get it.
    confirm_pages = [c for c in report.to_confirm if c.item.startswith("topics.")]
    assert page.locator("#review-items h3 a[href*='/console/content']").count() == len(confirm_pages)
    # No file names: each phone number or web address to confirm says which pages name it.
    assert ".toml" not in text
    numbers = [c for c in report.to_confirm if c.item.startswith("numbers.")]
    if numbers:
        number = pack.numbers[numbers[0].item.split(".", 1)[1]]
        listed = page.locator("#review-items > li", has=page.locator("h3", has_text=f"Phone number: {number.name}"))
        assert listed.first.locator(".used-on a[href*='/console/content'][href*='#sms-']").count() >= 1
    # A date months away is the next review, not "due".
    far = [day for day, _ in report.review_by if (day - uk_today()).days > 45]
    if far:
        assert "Next review by" in text and "months" in text
    assert tab.sideways() == 0
    tab.screenshot(f"review-{width}")
    assert tab.accessible() == []


def test_on_a_phone_the_console_menu_folds_away_and_the_latest_reply_is_high_on_the_screen(app_server, console_tab):
    tab = console_tab(app_server.url, PHONE)
    tab.login("dana", PASSWORD)
    tab.open("/console/simulator/sms")
    page = tab.page
    page.fill("#message", "hi")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Eight links in three lines pushed every page down: on a phone they are behind "Menu".
    assert not page.locator("nav.wide-menu").is_visible()
    assert page.locator(".phone-menu summary").inner_text() == "Menu: Text simulator"
    # The menu texted back is on the screen whole, below the box to type in.
    assert in_view(page, "#message") and in_view(page, "#latest pre")
    page.focus(".phone-menu summary")
    page.keyboard.press("Enter")  # opened by keyboard
    with page.expect_navigation():
        page.click(".phone-menu a:text('Call paths')")
    assert page.url.endswith("/console/calls")
    assert tab.accessible() == []
