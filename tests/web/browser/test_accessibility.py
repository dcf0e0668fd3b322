"""axe-core finds no WCAG 2.2 AA violation on any page of the hub, in a real Chromium.

The pages are found, not listed: every GET route of the /hub application without a parameter,
visited as each role (a page a role may not see answers 404 and is passed over), then the hub
pages those link to (a record, a lookup, a page group's own detail pages), a few of each route.
So a page group added later is checked as soon as its routes are registered. The pages reached
only by POST (the report form's questions, check your answers, done) are walked separately.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.conversation import visits
from bot.conversation.hub import Hub
from bot.web.site import PREFIX
from tests.conftest import Person
from tests.prevent.test_alerts import report
from tests.sharing.test_lifecycle import submit_request
from tests.web.browser.conftest import Chrome, OpenTab, Tab, Violation, Visit, audit

PERSONAS = {
    "admin": "admin@example.org",
    "staff": "alex@example.org",
    "prevent manager and lead": "priya@example.org",
    "data owner": "jordan@example.org",
    "information governance": "robin@example.org",
    "authoriser": "avery@example.org",
    "challenge reviewer": "dana@example.org",
    "dpo": "frankie@example.org",
    "coordinator": "jamie@example.org",
    "board and chair": "chris@example.org",
}
"""One person for each role in the sample directory."""
PER_ROUTE = 1
"""At most this many pages of one route with a parameter (a record, a lookup) for each person:
each role sees its own variant (its buttons), and the test stays quick."""
SKIPPED = (f"{PREFIX}/assets/", f"{PREFIX}/sign-in")


@dataclass(frozen=True)
class Route:
    """A GET route of the hub: its name for counting, and whether a path is one of its pages."""

    name: str
    pattern: re.Pattern[str]
    plain: str
    """The route's path (from the server's root) when it has no parameter, else ""."""


def routes(server: TestServer) -> list[Route]:
    """The /hub application's GET routes as mounted (so their paths begin /hub), read from its
    router: the page groups' routes are among them."""
    site = next(
        info["app"]
        for resource in server.app.router.resources()
        for info in [resource.get_info()]
        if info.get("prefix") == PREFIX and "app" in info
    )
    found: list[Route] = []
    handlers: set[object] = set()
    for resource in site.router.resources():
        if isinstance(resource, web.StaticResource):
            continue
        if not any(route.method == "GET" for route in resource):
            continue
        info = resource.get_info()
        handler = next(route.handler for route in resource if route.method == "GET")
        if "path" in info and handler not in handlers:  # /hub and /hub/ are one page
            handlers.add(handler)
            path = info["path"]
            found.append(Route(path, re.compile(re.escape(path) + r"\Z"), path))
        elif "formatter" in info:
            found.append(Route(info["formatter"], re.compile(info["pattern"].pattern + r"\Z"), ""))
    return found


def walk(tab: Tab, axe: str, known: list[Route]) -> tuple[list[str], list[Violation]]:
    """Visit every page `tab` can reach from the plain routes and its links; axe each one."""
    page = tab.page
    queue = [r.plain for r in known if r.plain]
    seen_paths: set[str] = set()
    per_route: Counter[str] = Counter()
    visited: list[str] = []
    violations: list[Violation] = []
    while queue:
        path = queue.pop(0)
        if path in seen_paths or path.startswith(SKIPPED):
            continue
        seen_paths.add(path)
        route = next((r for r in known if r.pattern.match(path)), None)
        if route is None or per_route[route.name] >= PER_ROUTE:
            continue
        per_route[route.name] += 1
        try:
            response = page.goto(tab.url(path))
        except Exception as error:  # a download (an export) is not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status == 404:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        assert response.status < 500, f"{path} answered {response.status}"
        landed = urlsplit(page.url).path.rstrip("/") or "/"
        if landed in visited:  # a redirect to a page already seen (/hub/form to /hub)
            continue
        visited.append(landed)
        violations += audit(page, axe)
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            if href.startswith(PREFIX) and not href.startswith(SKIPPED):
                queue.append(href.split("#")[0].split("?")[0])
    return visited, violations


@pytest.fixture
async def records(sample_hub: Hub) -> tuple[str, str]:
    """An information request waiting for City Police, and a P1 concern awaiting a manager."""
    request = await submit_request(Person(sample_hub, "alex@example.org"))
    concern = await report(sample_hub, names_target="yes")
    return request, concern.reference


async def test_every_page_each_role_can_reach_passes_axe(
    records: tuple[str, str], visit: Visit, chrome: Chrome, site: TestServer
) -> None:
    known = routes(site)
    failures: list[str] = []
    for role, email in PERSONAS.items():
        tab = await visit(email)
        visited, violations = await chrome.run(walk, tab, chrome.axe, known)
        assert PREFIX in visited and len(visited) >= 2, (role, visited)
        failures += [f"as {role}: {v}" for v in violations]
        failures += [f"as {role}: console: {e}" for e in tab.errors]
    assert not failures, "\n".join(failures)


def _signed_out_pages(tab: Tab, axe: str, token: str) -> tuple[list[str], list[Violation]]:
    """The sign-in page, a link's Continue page, the refusal of a spent link, a missing page."""
    page = tab.page
    found: list[Violation] = []
    headings: list[str] = []
    for path in (f"{PREFIX}/sign-in", f"{PREFIX}/sign-in/link/{token}"):
        page.goto(tab.url(path))
        headings.append(page.locator("h1").inner_text())
        found += audit(page, axe)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/hub/")
    page.context.clear_cookies()
    page.goto(tab.url(f"{PREFIX}/sign-in/link/{token}"))
    page.get_by_role("button", name="Continue").click()
    headings.append(page.locator("h1").inner_text())
    found += audit(page, axe)
    return headings, found


async def test_the_sign_in_pages_and_a_refusal_pass_axe(
    sample_hub: Hub, tab: OpenTab, chrome: Chrome
) -> None:
    token = await visits.make_link(sample_hub, "alex@example.org", limit=False)
    assert token
    opened: Tab = await tab()
    headings, violations = await chrome.run(_signed_out_pages, opened, chrome.axe, token)
    assert headings == ["Sign in to Saferhub", "Sign in to Saferhub", "You cannot sign in"]
    assert not violations, "\n".join(map(str, violations))
    assert not opened.errors, opened.errors
