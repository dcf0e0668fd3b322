"""The folder layout is the architecture: a test walks every import and fails on a breach."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiosmtplib")
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
    """The engine imports no domain (nor anything of bot), no storage, no platform, no clock."""
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
        assert "microsoft_agents" not in used, f"{relative} imports the Agents SDK"
    if not relative.startswith("bot/channels/email/"):
        assert "aiosmtplib" not in used, f"{relative} imports the SMTP client"


@pytest.mark.parametrize("path", [*sources("bot"), *sources("tests"), *sources("bench")], ids=str)
def test_nothing_imports_the_retired_bot_framework_sdk(path):
    """botbuilder's support ended on 31 December 2025; the Agents SDK replaced it."""
    assert not imports(path) & {"botbuilder", "botframework", "msrest"}


DOMAINS = ("prevent", "sharing", "recommendations", "directory")
KERNEL_MUST_NOT_IMPORT = (*DOMAINS, "conversation", "outbox", "app", "channels")

# What a channel may import besides the standard library and its platform's SDK: channels only
# translate, so they reach the hub through the conversation package and the ports.
CHANNEL_MAY_IMPORT = (
    "bot.conversation",
    "bot.core.ports",
    "bot.config",
    "bot.clock",
    "bot.channels.shapes",
    "bot.channels.base",
    "dialogs",
)
# PyJWT, whose errors the Agents SDK's token check raises; email's address check and templates
PLATFORM_HELPERS = ("jwt", "email_validator", "jinja2")


def modules(path: Path) -> set[str]:
    """Every module `path` imports, by its dotted name (`from a import b` names a and a.b)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def bot_packages(path: Path) -> set[str]:
    """The bot packages `path` imports: "prevent" for bot.prevent.alerts."""
    return {m.split(".")[1] for m in modules(path) if m.startswith("bot.") and m.count(".") >= 1}


def domain_breaches() -> set[tuple[str, str]]:
    found = set()
    for own in ("core", *DOMAINS):
        forbidden = KERNEL_MUST_NOT_IMPORT if own == "core" else set(DOMAINS) - {own}
        for path in sources(f"bot/{own}"):
            relative = path.relative_to(ROOT).as_posix()
            found.update((relative, other) for other in bot_packages(path) & set(forbidden))
    return found


def channel_may_import(path: Path, module: str) -> bool:
    """Whether a channel module may import `module` (a dotted name)."""
    own = path.relative_to(ROOT / "bot/channels").parts
    allowed = CHANNEL_MAY_IMPORT + (("bot.channels." + own[0],) if len(own) > 1 else ())
    top = module.split(".")[0]
    if top not in ("bot", "dialogs"):
        return top in sys.stdlib_module_names or top in (*PLATFORMS, *WEB, *PLATFORM_HELPERS)
    return any(module == a or module.startswith(a + ".") for a in allowed)


def channel_breaches(path: Path) -> set[str]:
    """What `path` imports that a channel may not: `from a import b` is allowed when a is, or
    else when a.b is (`from bot.channels import shapes`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if not channel_may_import(path, a.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if channel_may_import(path, node.module):
                continue
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if not channel_may_import(path, f"{node.module}.{a.name}")
            )
    return found


def conversation_breaches() -> set[tuple[str, str]]:
    """The conversation names no domain: it reaches them through the registry, which only
    `bot/app.py` composes."""
    return {
        (path.relative_to(ROOT).as_posix(), other)
        for path in sources("bot/conversation")
        for other in bot_packages(path) & set(DOMAINS)
    }


def test_domains_never_import_each_other_and_the_kernel_imports_no_domain():
    found = domain_breaches()
    assert not found, f"imports across domains (or from the kernel into one): {sorted(found)}"


@pytest.mark.parametrize("path", sources("bot/channels"), ids=str)
def test_channels_only_translate(path):
    """A channel imports the conversation package, the ports, the engine's values, settings and
    the clock, its own folder and the shared shapes: never storage, a domain or the kernel."""
    bad = channel_breaches(path)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_channel_rule_catches_what_it_forbids():
    slack = ROOT / "bot/channels/slack/channel.py"
    forbidden = ("storage.outage", "sqlalchemy", "bot.core.unit", "bot.app", "bot.prevent.forms")
    assert not any(channel_may_import(slack, m) for m in forbidden)
    assert not channel_may_import(slack, "bot.channels.teams.cards")
    assert channel_may_import(slack, "bot.channels.slack.render")
    assert channel_may_import(slack, "bot.conversation.surfaces")


def test_the_conversation_imports_no_domain():
    found = conversation_breaches()
    assert not found, f"the conversation importing a domain: {sorted(found)}"


FORM_MODULES = [
    path
    for domain in DOMAINS
    for path in sources(f"bot/{domain}")
    if path.name in ("forms.py", "action_forms.py") or path.parent.name == "forms"
]


@pytest.mark.parametrize("path", FORM_MODULES, ids=str)
def test_forms_are_pure_data(path):
    """A domain's forms import the engine and their own domain's forms, nothing with I/O."""
    own = path.relative_to(ROOT).parts[1]
    bad = imports(path) & {*PLATFORMS, *WEB, "sqlalchemy", "storage", "asyncio", "time"}
    bad |= bot_packages(path) - {own}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for d in ("core", *DOMAINS) for p in sources(f"bot/{d}")], ids=str
)
def test_domains_build_no_platform_messages(path):
    assert not imports(path) & {*PLATFORMS, *WEB}


def lines_in(folder: Path) -> int:
    return sum(len(path.read_text().splitlines()) for path in folder.rglob("*.py"))


def test_no_folder_holds_more_than_a_fifth_of_the_product():
    """The house stays in rooms: no package of bot/ (nor dialogs/ or storage/) outgrows the rest."""
    folders = [p for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"]
    folders += [ROOT / "dialogs", ROOT / "storage"]
    total = sum(lines_in(ROOT / top) for top in ("bot", "dialogs", "storage"))
    share = {f.relative_to(ROOT).as_posix(): lines_in(f) / total for f in folders}
    assert max(share.values()) <= 0.2, sorted(share.items(), key=lambda kv: -kv[1])[:3]


WEB_MUST_NOT_IMPORT = ("storage", "sqlalchemy", "bot.core.unit", "bot.app", "bot.channels")


@pytest.mark.parametrize("path", sources("bot/web"), ids=str)
def test_the_web_only_converts_and_calls_the_hub(path):
    """The web hub's pages reach data through the conversation package and the domains'
    functions (run in a unit of work by `visits.as_visitor`): no storage, no transactions."""
    bad = {
        m
        for m in modules(path)
        if any(m == f or m.startswith(f + ".") for f in WEB_MUST_NOT_IMPORT)
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
