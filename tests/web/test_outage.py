"""The database going away under the web hub: a plain page that says so, never a 500, nothing
half-recorded, and the same session working again once it is back."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from bot.conversation import visits
from bot.server import build_app
from tests.private_postgres import Outage
from tests.web.conftest import Browser


async def test_pages_and_forms_say_the_hub_is_unavailable_and_work_again_after(outage: Outage):
    hub = await outage.hub(retry_seconds=1)
    server = TestServer(build_app(hub, []), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        alex = Browser(session, str(server.make_url("")).rstrip("/"))
        token = await visits.make_link(hub, "alex@example.org", limit=False)
        home = await alex.post(f"/hub/sign-in/link/{token}", {})
        assert home.h1 == "Hello, Alex Morgan"

        await outage.stop()
        down = await alex.get("/hub/")
        assert down.status == 503 and "unavailable" in down.text
        pressed = await alex.press(home, "Log a concern")
        assert pressed.status == 503 and "unavailable" in pressed.text.lower()

        await outage.start_after(0)
        again = await alex.get("/hub/")
        assert again.status == 200 and again.h1 == "Hello, Alex Morgan"
        started = await alex.press(again, "Log a concern")
        assert started.status == 200 and "danger" in started.h1
    finally:
        await session.close()
        await server.close()
