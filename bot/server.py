"""`saferhub serve`: one aiohttp application for every channel, plus /healthz and the ticks."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Mapping, Sequence

from aiohttp import web
from sqlalchemy import text

from bot.channels.base import Channel
from bot.conversation.hub import Hub
from bot.outbox.dispatcher import Dispatcher
from bot.scheduler import build_scheduler
from bot.web import site

log = logging.getLogger(__name__)
HUB_KEY = web.AppKey("hub", Hub)
NO_CHANNEL = (
    "No chat channel is configured: serving the web hub only.\n"
    "  Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (add SLACK_APP_TOKEN for Socket Mode).\n"
    "  Teams: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET and "
    "__TENANTID (or SAFERHUB_DEV=1 to try it locally on 127.0.0.1).\n"
    "  Email (for partners outside Slack and Teams): set SAFERHUB_SMTP_HOST and "
    "SAFERHUB_SMTP_FROM (see docs/email.md).\n"
    "To try the bot without either, run: saferhub chat --as alex@example.org"
)
HUB_LINK = "Sign in to the web hub with a link from: saferhub hub link --as EMAIL"


def configured_channels(hub: Hub, env: Mapping[str, str], host: str) -> list[Channel]:
    """The channels whose settings are present (none serves the web hub alone)."""
    channels: list[Channel] = []
    if env.get("SLACK_BOT_TOKEN"):
        from bot.channels.slack import build_channel as build_slack

        channels.append(build_slack(hub, env))
    from bot.channels import teams

    if teams.wanted(env):
        channels.append(teams.build_channel(hub, env, host))
    from bot.channels import email

    if email.wanted(env):
        channels.append(email.build_channel(hub, env))
    return channels


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers; 503 otherwise."""
    hub = request.app[HUB_KEY]
    try:
        async with hub.database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def build_app(hub: Hub, channels: Sequence[Channel]) -> web.Application:
    """The shared aiohttp application with each channel's routes mounted."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[HUB_KEY] = hub
    app.router.add_get("/healthz", healthz)
    for channel in channels:
        channel.mount(app)
    site.mount(app, hub, email_links=any(c.platform == "email" for c in channels))
    return app


def build_dispatcher(hub: Hub, channels: Sequence[Channel]) -> Dispatcher:
    """The outbox dispatcher for this process, delivering through every channel that can."""
    deliverers = [c.deliverer for c in channels if c.deliverer is not None]
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return Dispatcher(
        hub.database, hub.clock, deliverers, worker=worker, lease=hub.settings.outbox_lease
    )


async def serve(
    hub: Hub, env: Mapping[str, str], host: str, port: int, tick_seconds: float
) -> None:
    """Run until SIGINT/SIGTERM: HTTP server, channels, and the scheduler's ticks."""
    channels = configured_channels(hub, env, host)
    dispatcher = build_dispatcher(hub, channels)
    scheduler = build_scheduler(hub.ticks(dispatcher, tick_seconds))
    runner = web.AppRunner(build_app(hub, channels), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    for channel in channels:
        await channel.start()
    scheduler.start()
    if not channels:
        print(NO_CHANNEL)
    log.info(
        "Saferhub serving on http://%s:%s with %s",
        host,
        port,
        ", ".join(c.platform for c in channels),
    )
    print(
        f"Saferhub is serving on http://{host}:{port} "
        f"({', '.join([*(c.platform for c in channels), 'web hub at /hub'])}). Ctrl-C stops it."
    )
    print(HUB_LINK)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        for channel in channels:
            await channel.stop()
        await runner.cleanup()
