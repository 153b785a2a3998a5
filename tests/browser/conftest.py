"""The console in real headless Chromium (Debian's ``chromium``), driven by Playwright.

The browser is the system's, never one Playwright downloads: it is installed with
apt-get when missing (as ``make bench`` installs wrk), and these tests skip only
when it cannot be. axe-core comes from the npm registry, installed by this setup
into a folder the tests own (``tests/browser/.axe``, not committed), and is
injected into every page to measure it against WCAG 2.2 AA.

Every request the browser makes is recorded: a page that reached for any host but
the app fails its test. Screenshots of each page go to ``test-artefacts/console/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from service.web.console.accounts import Accounts
from tests.console_support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_DIR = Path(__file__).parent / ".axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "console"
DESKTOP, PHONE = 1200, 375
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _install_chromium() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=1200)
    return CHROMIUM if Path(CHROMIUM).exists() else None


@pytest.fixture(scope="session")
def chromium_path():
    found = _install_chromium()
    if found is None:
        pytest.skip("Debian's chromium is not installed and could not be (apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        AXE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--silent", f"axe-core@~{AXE_VERSION}"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    return AXE_JS.read_text()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Console:
    """One browser tab on the console, recording every request it makes."""

    def __init__(self, page, base: str, axe: str):
        self.page, self.base, self.axe = page, base, axe
        self.requested: list[str] = []
        self.csp_violations: list[str] = []
        page.on("request", lambda request: self.requested.append(request.url))
        page.on("console", lambda msg: self.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        return response

    def login(self, name: str, password: str):
        self.open("/console/login")
        self.page.fill("#username", name)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]:text('Log in')")

    def accessible(self) -> list[dict]:
        """axe-core's serious and critical violations on the page as it is now."""
        # Evaluated through the DevTools protocol, so the page's own CSP (no script) still holds.
        self.page.evaluate(self.axe)
        result = self.page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"][:3]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def screenshot(self, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sideways(self) -> int:
        """How far the page scrolls sideways: 0 when nothing is wider than the window."""
        return self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    def smallest_text(self, selector: str) -> float:
        """The smallest text in ``selector`` as drawn, in CSS px (an SVG scaled down shrinks it)."""
        return self.page.evaluate(
            """(sel) => Math.min(...Array.from(document.querySelectorAll(sel + ' text')).map(t => {
                 const svg = t.ownerSVGElement; const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                 return parseFloat(getComputedStyle(t).fontSize) * scale; }))""",
            selector,
        )

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.requested if not url.startswith(("data:", "about:"))}


@pytest.fixture
def console_tab(browser, axe_source):
    """console_tab(base_url, width=1200) -> a Console; after the test, no request may have
    left the app. ``width=PHONE`` is a phone held upright."""
    contexts, tabs = [], []

    def open_tab(base: str, width: int = DESKTOP) -> Console:
        context = browser.new_context(viewport={"width": width, "height": 900 if width == DESKTOP else 667})  # a small phone: 375 x 667
        contexts.append(context)
        tab = Console(context.new_page(), base, axe_source)
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        assert tab.hosts() <= {urlsplit(tab.base).netloc}, tab.hosts()
        assert not tab.csp_violations, tab.csp_violations
    for context in contexts:
        context.close()


@pytest.fixture
def app_server(serve, config):
    """The line with one console account, dana."""
    server = serve(config)
    line = server.app.extensions["signpost"]
    Accounts(line.store.redis, line.config.hash_key).add("dana", PASSWORD)
    return server
