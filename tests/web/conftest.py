"""A real aiohttp server for the hub's pages on loopback, and people who sign in to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.conversation import visits
from bot.conversation.hub import Hub
from bot.server import build_app
from bot.web.site import mount
from tests.channels.slack.conftest import fake_slack, slack  # noqa: F401 (fixtures for tests here)
from tests.channels.teams.conftest import connector, teams, teams_user  # noqa: F401 (fixtures)
from tests.web.pages import Form, Page, read


class Browser:
    """One person's cookie jar against the hub: get pages, submit forms, press buttons."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def get(self, path: str) -> Page:
        async with self.session.get(self.base + path, allow_redirects=True) as response:
            return read(
                response.status, str(response.url), await response.text(), dict(response.headers)
            )

    async def post(self, path: str, data: Mapping[str, Any] | aiohttp.FormData) -> Page:
        async with self.session.post(self.base + path, data=data, allow_redirects=True) as response:
            return read(
                response.status, str(response.url), await response.text(), dict(response.headers)
            )

    async def post_raw(self, path: str, body: bytes, content_type: str) -> Page:
        headers = {"Content-Type": content_type}
        async with self.session.post(self.base + path, data=body, headers=headers) as response:
            return read(
                response.status, str(response.url), await response.text(), dict(response.headers)
            )

    async def submit(self, form: Form, button: str = "", **values: Any) -> Page:
        """Send `form` as its button `button` (its first when empty) would, with `values` filled in."""
        pressed = form.button(button) if button else (form.buttons[0] if form.buttons else None)
        data: dict[str, Any] = {**form.fields, **values}
        if pressed and pressed[1]:
            data[pressed[1]] = pressed[2]
        return await self.post(form.action.removeprefix(self.base), data)

    async def press(self, page: Page, label: str, **values: Any) -> Page:
        """Press the button labelled `label` on `page`."""
        return await self.submit(page.form_with(label), label, **values)

    def cookie(self, name: str) -> Any:
        return next((c for c in self.session.cookie_jar if c.key == name), None)


SignIn = Callable[[str], Awaitable[Browser]]


@pytest.fixture
async def site(sample_hub: Hub) -> AsyncIterator[TestServer]:
    """`saferhub serve`'s application (no chat channel: the web hub alone) on loopback."""
    server = TestServer(build_app(sample_hub, []), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def email_site(sample_hub: Hub) -> AsyncIterator[TestServer]:
    """The hub's pages as `saferhub serve` serves them when an email channel is configured: the
    sign-in page offers "Email me a sign-in link"."""
    app = web.Application()
    mount(app, sample_hub, email_links=True)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def browser(site: TestServer) -> AsyncIterator[Callable[[], Browser]]:
    """Make browsers (cookie jars) that are not signed in."""
    sessions: list[aiohttp.ClientSession] = []
    base = str(site.make_url("")).rstrip("/")

    def open_one() -> Browser:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(session)
        return Browser(session, base)

    yield open_one
    for session in sessions:
        await session.close()


@pytest.fixture
def sign_in(sample_hub: Hub, browser: Callable[[], Browser]) -> SignIn:
    """Sign someone in with a one-time link, as `saferhub hub link --as EMAIL` gives it."""

    async def signed_in(email: str) -> Browser:
        token = await visits.make_link(sample_hub, email, limit=False)
        assert token, f"{email} may not sign in"
        person = browser()
        page = await person.post(f"/hub/sign-in/link/{token}", {})
        assert page.status == 200 and page.url.endswith("/hub/"), page.text
        return person

    return signed_in


def later(hub: Hub, minutes: float) -> None:
    """Move the hub's (fixed) clock on."""
    hub.clock.advance(minutes=minutes)  # type: ignore[attr-defined]
