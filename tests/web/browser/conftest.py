"""A real Chromium (Debian's, never a downloaded one) on the hub's pages, with axe-core.

One Chromium serves the whole session. Playwright's sync API drives it from a thread of its own,
so the hub's server keeps running on the test's event loop: a test hands the browser work with
`await chrome.run(function, *args)` and checks the database itself.

Without /usr/bin/chromium, Playwright or node_modules/axe-core these tests are skipped, unless
SAFERHUB_REQUIRE_BROWSER=1 (as in CI), when they fail instead.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestServer

from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation import visits
from bot.conversation.hub import Hub
from storage.database import Database

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("SAFERHUB_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE = os.environ.get("SAFERHUB_REQUIRE_BROWSER") == "1"
WIDTH = 1200
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
T = TypeVar("T")


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(reason + "; SAFERHUB_REQUIRE_BROWSER=1 demands it", pytrace=False)
    pytest.skip(reason)


class Chrome:
    """The session's Chromium, reached only from its own thread."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self.axe = AXE.read_text(encoding="utf-8")
        self.playwright: Any = None
        self.browser: Any = None

    def start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Do `work(*args)` on the browser's thread while this loop goes on serving the hub."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(work, *args))


@pytest.fixture(scope="session")
def chrome() -> Iterator[Chrome]:
    """Chromium, started once for the session (skipped, or failed in CI, when it cannot be)."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        _unavailable(f"no axe-core at {AXE} (npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    browser = Chrome()
    try:
        browser.pool.submit(browser.start).result(timeout=60)
    except Exception as error:
        browser.pool.submit(browser.stop).result(timeout=30)
        browser.pool.shutdown()
        _unavailable(f"Chromium at {CHROMIUM} would not start: {error}")
    yield browser
    browser.pool.submit(browser.stop).result(timeout=30)
    browser.pool.shutdown()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """SQLite only: these tests are about what the browser gets, which the database does not
    change, and each costs seconds (the web tests beside them run on both backends)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    database = Database(url)
    await database.create_all()
    await database.dispose()
    yield url


@pytest.fixture
async def hub(database_url: str, clock: FixedClock) -> AsyncIterator[Hub]:
    """A hub on that database, on the fixed test clock."""
    built = Hub.build(Settings(database_url=database_url), clock)
    yield built
    await built.close()


@dataclass(frozen=True)
class Tab:
    """A signed-in (or not) browser tab on the hub: its own cookies, 1200 pixels wide."""

    page: Any
    base: str
    """The server's origin, http://127.0.0.1:PORT."""
    errors: list[str]
    """What the browser's console reported as errors (a refused inline style or script)."""

    def url(self, path: str) -> str:
        return self.base + path


def _note(errors: list[str], message: Any) -> None:
    """Keep the console's errors, but not a refusal's status (403, 404), which pages may answer."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _open(browser: Any, base: str, axe: str) -> Tab:
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(script=axe)  # on every page, beside (not under) its CSP
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: _note(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return Tab(page, base, errors)


def _enter(tab: Tab, token: str) -> Tab:
    """Open the sign-in link and press Continue, as the person would."""
    tab.page.goto(tab.url(f"/hub/sign-in/link/{token}"))
    tab.page.get_by_role("button", name="Continue").click()
    tab.page.wait_for_url("**/hub/")
    return tab


Visit = Callable[[str], Awaitable[Tab]]
OpenTab = Callable[[], Awaitable[Tab]]


@pytest.fixture
async def tab(chrome: Chrome, site: TestServer) -> AsyncIterator[OpenTab]:
    """Open tabs that are not signed in, each with its own cookies."""
    tabs: list[Tab] = []
    base = str(site.make_url("")).rstrip("/")

    async def open_one() -> Tab:
        opened = await chrome.run(_open, chrome.browser, base, chrome.axe)
        tabs.append(opened)
        return opened

    yield open_one
    for each in tabs:
        await chrome.run(each.page.context.close)


@pytest.fixture
def visit(sample_hub: Hub, chrome: Chrome, tab: OpenTab) -> Visit:
    """A tab signed in as `email` through the real link page (as `saferhub hub link` gives it)."""

    async def signed_in(email: str) -> Tab:
        token = await visits.make_link(sample_hub, email, limit=False)
        assert token, f"{email} may not sign in"
        return await chrome.run(_enter, await tab(), token)

    return signed_in


@dataclass(frozen=True)
class Violation:
    """One axe-core finding on one page."""

    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.url}: {self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


def audit(page: Any, axe: str) -> list[Violation]:
    """axe-core's WCAG 2.2 AA violations on the page as it stands (run through the DevTools
    protocol, so the page's strict CSP need not allow it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe}\n }}")
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' '))})))",
        WCAG,
    )
    return [
        Violation(page.url, v["id"], v["impact"], v["help"], tuple(v["targets"])) for v in found
    ]
