"""The pages of asking for an emailed sign-in link pass axe in a real Chromium: the form, its
error for an address that cannot be read, and the answer everyone gets."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.web.browser.conftest import Chrome, OpenTab, Tab, Violation, audit


@pytest.fixture
def site(email_site: TestServer) -> TestServer:
    """The sign-in page offers email links here."""
    return email_site


def _ask_for_a_link(tab: Tab, axe: str) -> tuple[list[str], list[str]]:
    page = tab.page
    found: list[Violation] = []
    page.goto(tab.url("/hub/records/IR-2026-0001"))
    headings = [page.locator("h1").inner_text()]
    found += audit(page, axe)
    page.get_by_role("button", name="Email me a sign-in link").click()
    assert page.locator(".govuk-error-summary").is_visible()
    headings.append(page.title())
    found += audit(page, axe)
    page.get_by_label("Email me a sign-in link").fill("jordan@example.org")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    headings.append(page.locator("h1").inner_text())
    found += audit(page, axe)
    return headings, [str(v) for v in found]


async def test_asking_for_an_emailed_link_passes_axe(tab: OpenTab, chrome: Chrome) -> None:
    opened = await tab()
    headings, violations = await chrome.run(_ask_for_a_link, opened, chrome.axe)
    assert headings == [
        "Sign in to Saferhub",
        "Error: Sign in – Saferhub",
        "Check your email",
    ]
    assert not violations, "\n".join(violations)
