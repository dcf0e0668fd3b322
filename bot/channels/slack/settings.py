"""Slack settings, read from the environment once when the channel is built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import ConfigError

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    """Tokens, the Web API address, the retry policy for replies and the profile lookup's limit.

    With an app token the channel runs in Socket Mode and serves no HTTP route; without one it
    needs the signing secret to verify every request posted to /slack/events.
    """

    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = DEFAULT_API_URL
    reply_attempts: int = 4
    reply_backoff: float = 1.0
    pace_seconds: float = 1.0
    lookup_timeout: float = 2.0

    @property
    def socket_mode(self) -> bool:
        """Whether to connect out over a WebSocket instead of receiving HTTP requests."""
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        """SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN and SLACK_API_URL."""
        bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
        signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip()
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if not bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be the app's bot token (it starts with xoxb-).")
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN must be an app-level token with connections:write (xapp-...)."
            )
        if not app_token and not signing_secret:
            raise ConfigError(
                "Set SLACK_SIGNING_SECRET (Basic Information > App Credentials) to receive "
                "Slack requests over HTTP, or SLACK_APP_TOKEN to use Socket Mode instead."
            )
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}.")
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
        )
