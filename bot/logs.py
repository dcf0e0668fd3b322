"""How every `saferhub` command logs: timestamped lines of ids, kinds, counts and timings.

Libraries that log whole requests, SQL parameters or message bodies at DEBUG (which would carry
what people typed and who they are) are held at WARNING whatever level is asked for.
"""

from __future__ import annotations

import logging

from bot.config import ConfigError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = (
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiosqlite",
    "asyncpg",
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "msal",
    "urllib3",
    "aiohttp.access",
    "aiohttp.client",
)
# Loggers that write what they refuse, values and all, at ERROR: silenced. The Agents SDK logs
# every activity it cannot read this way; the channel answers 400 and logs the reason's kind.
SILENCED = ("microsoft_agents.activity",)


def configure(level: str) -> None:
    """Log at `level` (a name such as DEBUG or WARNING) to standard error."""
    if level.upper() not in LEVELS:
        raise ConfigError(f"SAFERHUB_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    logging.basicConfig(level=level.upper(), format=FORMAT, force=True)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    for name in SILENCED:
        logging.getLogger(name).setLevel(logging.CRITICAL)
