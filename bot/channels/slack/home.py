"""The bot's App Home: what the person has open, and buttons to start each conversation."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.channels.slack.actions import COMMAND
from bot.channels.slack.markup import clip, escape
from bot.channels.slack.render import button
from bot.conversation.overview import OpenItem, Overview

MAX_ITEMS = 10


def home_view(overview: Overview) -> dict[str, Any]:
    """The Home tab for one person (at most 100 blocks: each list shows its first ten)."""
    first = overview.name.split()[0] if overview.in_directory and overview.name else "there"
    blocks: list[Block] = [
        HeaderBlock(text="Saferhub"),
        SectionBlock(
            text=_mrkdwn(
                f"Hello {escape(first)}. Report what you saw, ask a partner for information, or "
                "keep your recommendations up to date. Each button starts a conversation in the "
                "Messages tab; you can also type there in your own words."
            )
        ),
        ActionsBlock(
            elements=[
                button(start.label, COMMAND, "start", i, start.form_id, "primary" if i == 0 else "")
                for i, start in enumerate(overview.starts)
            ]
        ),
        DividerBlock(),
    ]
    blocks += _group("Your open concerns", overview.concerns, "my reports")
    blocks += _group("Your open information requests", overview.requests, "my requests")
    blocks += _group("Your recommendations", overview.recommendations, "my actions")
    view = View(type="home", blocks=blocks)
    return dict(view.to_dict())


def message_home(text: str) -> dict[str, Any]:
    """A Home tab that only says something (the hub's database is unavailable)."""
    view = View(
        type="home", blocks=[HeaderBlock(text="Saferhub"), SectionBlock(text=_mrkdwn(escape(text)))]
    )
    return dict(view.to_dict())


def _group(title: str, items: tuple[OpenItem, ...], ask: str) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=_mrkdwn(f"*{title} ({len(items)})*"))]
    if not items:
        blocks.append(ContextBlock(elements=[_mrkdwn("Nothing open.")]))
        return blocks
    for item in items[:MAX_ITEMS]:
        line = f"*{escape(item.reference)}* {escape(item.summary)}\n{escape(item.status)}"
        blocks.append(SectionBlock(text=_mrkdwn(clip(line, 2900))))
    if len(items) > MAX_ITEMS:
        more = f"and {len(items) - MAX_ITEMS} more: say '{ask}' in the Messages tab."
        blocks.append(ContextBlock(elements=[_mrkdwn(more)]))
    return blocks


def _mrkdwn(markup: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=markup, verbatim=True)
