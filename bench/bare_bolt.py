"""The ceiling for any bolt-based bot: a bare slack-bolt AsyncApp on aiohttp with an empty handler.

It verifies each request's signature and acknowledges `message` events with a listener that does
nothing, served exactly as `saferhub serve` serves Slack (an aiohttp application, POST
/slack/events through bolt's aiohttp adapter) and with its Web API pointed at the same fake. The
inbound benchmark (`python -m bench.inbound_turns`) starts it next to Saferhub and reports
Saferhub's throughput as a ratio of this one's. On its own:

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://127.0.0.1:PORT/api/ \\
        python -m bench.bare_bolt --port 3999

It prints nothing but serves until SIGINT/SIGTERM; GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(signing_secret: str, token: str, api_url: str) -> web.Application:
    """The aiohttp application: /slack/events through an AsyncApp whose listener is empty."""
    bolt = AsyncApp(
        signing_secret=signing_secret,
        client=AsyncWebClient(token=token, base_url=api_url),
    )

    @bolt.event("message")
    async def ignore() -> None:
        """Nothing: only the acknowledgement is measured."""

    async def events(request: web.Request) -> web.StreamResponse:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=3999)
    args = parser.parse_args()
    app = build(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_API_URL"],
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
