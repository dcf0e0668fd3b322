"""`saferhub serve` without any chat settings serves the web hub alone, and a link printed by
`saferhub hub link --as EMAIL` signs that person in to it (real processes, a real port)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.web.conftest import Browser

CHAT_SETTINGS = (
    "SLACK_BOT_TOKEN",
    "MICROSOFT_APP_ID",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
    "SAFERHUB_DEV",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def saferhub(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_serve_with_no_chat_channel_serves_the_hub_and_a_printed_link_signs_in(
    tmp_path: Path,
):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CHAT_SETTINGS}
    env |= {
        "SAFERHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        "SAFERHUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    code, demo, _ = await saferhub(env, "demo")
    assert code == 0 and f"http://127.0.0.1:{port}/hub/sign-in/link/" in demo
    code, link, _ = await saferhub(env, "hub", "link", "--as", "priya@example.org")
    assert code == 0 and link.startswith(f"http://127.0.0.1:{port}/hub/sign-in/link/")
    code, _, refused = await saferhub(env, "hub", "link", "--as", "nobody@example.org")
    assert code == 1 and "cannot sign in" in refused

    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        said = [await asyncio.wait_for(server.stdout.readline(), 30)]
        while b"is serving on" not in said[-1]:
            said.append(await asyncio.wait_for(server.stdout.readline(), 30))
        printed = b"".join(said).decode()
        assert printed.startswith("No chat channel is configured: serving the web hub only.")
        assert "SLACK_BOT_TOKEN" in printed and "SETTINGS__CLIENTID" in printed
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            priya = Browser(session, f"http://127.0.0.1:{port}")
            home = await priya.post(link.strip().removeprefix(priya.base), {})
            assert home.status == 200 and home.h1 == "Hello, Priya Sample"
    finally:
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), 30) == 0
