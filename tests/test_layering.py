"""The folder layout is the architecture: a test walks every import and fails on a breach."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")
WEB = ("aiohttp",)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", sources("dialogs"), ids=str)
def test_dialogs_are_pure(path):
    bad = imports(path) & {*PLATFORMS, *WEB, "sqlalchemy", "bot", "storage", "asyncio", "time"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sources("storage"), ids=str)
def test_storage_knows_only_sqlalchemy(path):
    bad = imports(path) & {*PLATFORMS, *WEB, "bot", "dialogs"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sources("bot"), ids=str)
def test_platform_sdks_only_in_their_channel_folder(path):
    relative = path.relative_to(ROOT).as_posix()
    used = imports(path)
    if not relative.startswith("bot/channels/slack/"):
        assert not used & {"slack_bolt", "slack_sdk"}, f"{relative} imports a Slack SDK"
    if not relative.startswith("bot/channels/teams/"):
        assert not used & {"botbuilder", "botframework"}, f"{relative} imports botbuilder"


DOMAINS = ("core", "prevent", "sharing", "recommendations", "directory")


@pytest.mark.parametrize("path", [p for d in DOMAINS for p in sources(f"bot/{d}")], ids=str)
def test_domains_build_no_platform_messages(path):
    assert not imports(path) & {*PLATFORMS, *WEB}
