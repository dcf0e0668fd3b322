"""What channels show and keep outside a turn: home screens, whole-form modals, lookups, addresses.

A channel translates a platform's events and calls these; each opens its own transaction and
resolves the person as a turn would. A lookup that finds the database unreachable answers with
what to show instead (or None), so channels never handle storage errors themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from bot.conversation.answers import answer, help_for, status_of
from bot.conversation.hub import Hub
from bot.conversation.overview import Overview, overview
from bot.conversation.turns import NOT_OFFERED_AUDIT, UNAVAILABLE
from bot.core import photos
from bot.core.identity import is_placeholder, resolve_actor
from bot.core.intents import AskQuery
from bot.core.ports import Headline, Picture
from bot.core.unit import UnitOfWork
from dialogs.engine import DialogState, FormContext
from dialogs.form import FormDefinition
from dialogs.messages import (
    Address,
    Inbound,
    JsonValue,
    Notice,
    OpenedInput,
    Outbound,
    Say,
    notice_from_json,
)
from storage import directory, outbox
from storage.conversations import active_session, claim_event
from storage.models import Person
from storage.outage import unreachable

log = logging.getLogger(__name__)

REPORT, REQUEST = "report", "request"
"""The shortcuts a platform offers, by the name the domains register them under."""
HOME_UNAVAILABLE = (
    f"I can't show what you have open just now {UNAVAILABLE}. "
    "Please open this tab again in a few minutes."
)
LOOKUP_UNAVAILABLE = f"I couldn't look that up {UNAVAILABLE}. Please try again in a few minutes."
FORM_UNAVAILABLE = (
    f"I can't open this form just now {UNAVAILABLE}. Nothing was recorded; "
    "please try again in a few minutes."
)
NOTICE_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Caller:
    """Someone at a channel outside a turn: where they are and what the platform says of them."""

    address: Address
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Opening:
    """A form to show whole: the answers given so far and its context, or what to say instead."""

    form: FormDefinition
    answers: Mapping[str, JsonValue] = field(default_factory=dict)
    context: FormContext | None = None
    refusal: str = ""


async def _actor(uow: UnitOfWork, caller: Caller) -> Person:
    """The directory person behind `caller`, linked by platform id or email as in a turn."""
    inbound = Inbound(caller.address, "", OpenedInput(), caller.email, caller.display_name)
    return await resolve_actor(uow.session, inbound, uow.now)


async def home(hub: Hub, caller: Caller) -> Overview | None:
    """What the caller has open, for a home screen; None while the database is unreachable."""
    try:
        async with hub.unit() as uow:
            return await overview(uow, await _actor(uow, caller))
    except Exception as error:
        if not unreachable(error):
            raise
        return None


def help_text(hub: Hub) -> str:
    """The help for someone who holds no particular role (a slash command knows no one yet)."""
    return help_for(hub.registry)


async def status(hub: Hub, caller: Caller, reference: str) -> Outbound:
    """Where the record `reference` stands, as far as the caller may see."""
    return await _look_up(hub, caller, partial(status_of, hub.registry, reference=reference))


async def my_actions(hub: Hub, caller: Caller) -> Outbound:
    """The caller's open actions (the question a domain registers as my_actions)."""
    return await _look_up(hub, caller, partial(answer, hub.registry, ask=AskQuery("my_actions")))


async def question(hub: Hub, caller: Caller, query: str, argument: str = "") -> Outbound:
    """The answer to one of the domains' questions (`query`, as their intents name it)."""
    return await _look_up(hub, caller, partial(answer, hub.registry, ask=AskQuery(query, argument)))


async def _look_up(
    hub: Hub, caller: Caller, query: Callable[[UnitOfWork, Person], Awaitable[Outbound]]
) -> Outbound:
    try:
        async with hub.unit() as uow:
            return await query(uow, await _actor(uow, caller))
    except Exception as error:
        if not unreachable(error):
            raise
        return Say(LOOKUP_UNAVAILABLE)


async def open_form(hub: Hub, caller: Caller, form_id: str) -> Opening:
    """`form_id` with any answers already given in the caller's conversation filled in.

    A conversation about another form comes first: the opening says so instead.
    """
    form = hub.registry.forms[form_id]
    try:
        async with hub.unit() as uow:
            actor = await _actor(uow, caller)
            row = await active_session(uow.session, caller.address.key)
            same = row is not None and row.form_id == form_id
            other = hub.registry.forms.get(row.form_id) if row is not None and not same else None
            if other is not None:
                return Opening(
                    form,
                    refusal=f"You have an unfinished {other.title.lower()} in our direct message. "
                    "Finish it there, or say cancel, then try again.",
                )
            answers = DialogState.from_json(row.state).answers if row is not None and same else {}
            options = await hub.registry.form_options(uow, form_id, answers, actor)
            return Opening(form, answers, FormContext(now=uow.local_now, options=options))
    except Exception as error:
        if not unreachable(error):
            raise
        return Opening(form, refusal=FORM_UNAVAILABLE)


async def form_context(
    hub: Hub, caller: Caller, form_id: str, answers: Mapping[str, JsonValue]
) -> FormContext | None:
    """The context to show `form_id` in after `answers`; None while the database is unreachable."""
    try:
        async with hub.unit() as uow:
            actor = await _actor(uow, caller)
            options = await hub.registry.form_options(uow, form_id, answers, actor)
            return FormContext(now=uow.local_now, options=options)
    except Exception as error:
        if not unreachable(error):
            raise
        return None


async def refuse_press(hub: Hub, caller: Caller, reference: str, **summary: Any) -> None:
    """Audit a press on something never offered, as the turn loop does for a conversation."""
    try:
        async with hub.unit() as uow:
            await uow.audit(await _actor(uow, caller), NOT_OFFERED_AUDIT, reference, **summary)
    except Exception as error:
        if not unreachable(error):
            raise
        log.error("could not audit a refused action: the database is unreachable")


async def once(hub: Hub, platform: str, event_id: str, act: Callable[[], Awaitable[None]]) -> None:
    """Run `act` for an event not handled before: claimed in the transaction committed after it,
    so a resend is not acted on twice and a failed act is tried again. While the database is
    unreachable `act` runs all the same (twice at worst beats never)."""
    acted = False
    try:
        async with hub.database.transaction() as session:
            if await claim_event(
                session, platform=platform, event_id=event_id, now=hub.clock.now()
            ):
                await act()
                acted = True
    except Exception as error:
        if not unreachable(error):
            raise
        log.warning(
            "handled a %s event without recording it: the database is unreachable", platform
        )
        if not acted:
            await act()


async def known_address(hub: Hub, platform: str, user: str) -> dict[str, Any] | None:
    """The stored address of the person with `user` id on `platform`; None if none or while the
    database is unreachable."""
    try:
        async with hub.database.transaction() as session:
            person = await directory.person_by_platform_id(session, platform, user)
            if person is None:
                return None
            return (await directory.channel_addresses(session, person.id)).get(platform)
    except Exception as error:
        if not unreachable(error):
            raise
        return None


async def knows_email(hub: Hub, platform: str, user: str) -> bool:
    """Whether the person with `user` id is linked to their real email (False while the database
    is unreachable: the platform is asked again)."""
    try:
        async with hub.database.transaction() as session:
            linked = await directory.person_by_platform_id(session, platform, user)
    except Exception as error:
        if not unreachable(error):
            raise
        return False
    return linked is not None and not is_placeholder(linked)


async def remember_address(
    hub: Hub, platform: str, reference: dict[str, Any], who: Caller | int, *, replace: bool
) -> None:
    """Keep how to reach `who` on `platform`; unless `replace`, an address holding a
    conversation is kept instead. Skipped (logged) while the database is unreachable: every
    turn keeps it again."""
    try:
        async with hub.unit() as uow:
            person_id = who if isinstance(who, int) else (await _actor(uow, who)).id
            if not replace:
                existing = (await directory.channel_addresses(uow.session, person_id)).get(platform)
                if existing and existing.get("conversation_id"):
                    return
            await _save(uow, person_id, platform, reference)
    except Exception as error:
        if not unreachable(error):
            raise
        log.warning("a %s address was not kept: the database is unreachable", platform)


async def save_address(hub: Hub, person_id: int, platform: str, reference: dict[str, Any]) -> None:
    """Keep how to reach a person on `platform` (a delivery's follow-up: errors are raised)."""
    async with hub.unit() as uow:
        await _save(uow, person_id, platform, reference)


async def _save(uow: UnitOfWork, person_id: int, platform: str, reference: dict[str, Any]) -> None:
    await directory.save_channel_address(
        uow.session, person_id=person_id, platform=platform, reference=reference, now=uow.now
    )


async def addresses_on(hub: Hub, platform: str) -> list[dict[str, Any]]:
    """Every stored address on `platform` (for the rare lookup of one by its conversation)."""
    async with hub.database.transaction() as session:
        return [dict(stored) for stored in await directory.references_on(session, platform)]


async def photos_of(hub: Hub, reference: str, *, thumbnails: bool = False) -> list[Picture]:
    """The photos of record `reference` for a channel to show in a person's chat (cleaned copies,
    or thumbnails of them); none while the database is unreachable, since the notice says how
    many there are and the hub keeps them."""
    try:
        async with hub.unit() as uow:
            return await photos.pictures(uow, reference, thumbnails=thumbnails)
    except Exception as error:
        if not unreachable(error):
            raise
        log.warning("photos were left out of a notice: the database is unreachable")
        return []


async def headline(hub: Hub, reference: str) -> Headline | None:
    """What an email may say of the record `reference` (kind, reference, organisation, due),
    or None when no domain knows it. Raises when the database is unreachable, so the outbox
    tries the email again rather than sending one that says less."""
    async with hub.unit() as uow:
        return await hub.registry.headline(uow, reference)


async def email_refused(hub: Hub, person_id: int, reason: str) -> None:
    """A mail server refused the person's address for good (the email channel's bounce)."""
    if hub.registry.email_refused is None:
        return
    async with hub.unit() as uow:
        await hub.registry.email_refused(uow, person_id, reason)


async def show_waiting(
    hub: Hub, person_id: int, worker: str, platform: str, show: Callable[[Notice], None]
) -> None:
    """Show a person's waiting outbox notices where they are talking, each marked sent once
    shown. While the database is unreachable they stay waiting for the next turn."""
    try:
        now = hub.clock.now()
        async with hub.database.transaction() as session:
            waiting = await outbox.claim_for_recipient(
                session, person_id, worker=worker, now=now, lease=NOTICE_LEASE
            )
        for message in waiting:
            show(notice_from_json(message.payload))
            async with hub.database.transaction() as session:
                await outbox.mark_sent(
                    session, message.id, worker=worker, now=now, platform=platform
                )
    except Exception as error:
        if not unreachable(error):
            raise
