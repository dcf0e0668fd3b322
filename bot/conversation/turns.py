"""The turn loop: every inbound event from every channel is handled here, exactly once.

1. Dedupe on (platform, event id), in the same transaction as the work, so a retry is dropped
   only if the first attempt committed.
2. Load the address's dialog session and run the pure engine.
3. Save with an optimistic version check; on a conflict, reload and redo (up to 3 times). A
   confirmed form writes its record, audit rows and outbox messages in that same transaction.
4. Return the replies; the channel delivers them only after the commit. Replies it still cannot
   post after its retries are handed back (`keep_replies`) and go out later through the outbox.

A database outage. Channels acknowledge an event before its turn runs: Slack wants an answer
in 3 s, never retries a button, a modal or a slash command, and retries a message event three
times (at once, after 1 and after 5 minutes), arriving behind the person's later messages. So
an acknowledged event is ours to finish or to hand back to the person, never dropped in silence:

- While the database is unreachable (refused or lost connection, server shutting down or
  starting, connect or pool timeout: `storage.outage.unreachable`; any other error is a bug and
  is raised at once), the turn is tried again with a growing pause, until `database_retry`
  (30 s by default) has passed since the event arrived. A restart or a short failover loses
  nothing and the person just waits a little for the answer.
- An address's events go through one at a time, in arrival order, so a later answer can never
  overtake an earlier one that is waiting for the database.
- When the time is up, the event is dropped untouched (its transaction rolled back, its event id
  unclaimed) and the one reply tells the person plainly that nothing was recorded and to send it
  again in a few minutes; the events of that conversation that arrived before then are dropped
  the same way, so none of them lands on the question meant for the dropped one. The resend
  then answers the question that is really open.
- Nothing is kept anywhere else for a later replay: while the database is down there is no
  durable place every replica shares (a replica's local disk dies with its container), and an
  answer replayed minutes later could land on a question the person has since moved past. The
  person knows what they meant and is told exactly what to do.
- If the connection died as the turn committed, the next attempt finds the event claimed: the
  person is told it was saved and asked the open question again, rather than left unanswered.
- A Slack modal submission waits at most 2 s (Slack's ack window) and then says so over the form.
  Teams runs the turn inside the activity's request: past 15 s the Bot Connector stops waiting
  for the HTTP answer, but the reply still goes out through its REST API.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.answers import answer, help_for
from bot.conversation.routing import route
from bot.core import photos
from bot.core.calendar import WorkingCalendar
from bot.core.checks import Refused
from bot.core.identity import resolve_actor
from bot.core.intents import HELP, AskQuery, StartForm
from bot.core.module import ANY_PREFIX, Registry
from bot.core.reference import Reference
from bot.core.unit import ServiceError, UnitOfWork
from dialogs import engine
from dialogs.cleaning import clean_inbound
from dialogs.commands import parse_command
from dialogs.engine import DialogState, FormContext, Outcome, Step
from dialogs.form import FieldKind, FormDefinition, Starter
from dialogs.messages import (
    ActionInput,
    Address,
    ChoiceInput,
    Command,
    CommandInput,
    FilesInput,
    FormInput,
    Inbound,
    Input,
    JsonValue,
    Notice,
    OpenedInput,
    Outbound,
    Say,
    TextInput,
    notice_to_json,
)
from dialogs.plain import as_text
from storage import outbox
from storage.conversations import active_session, claim_event
from storage.database import Database
from storage.models import DialogSession, Person
from storage.outage import unreachable
from storage.photos import delete_unrecorded

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Pauses between attempts while the database is unreachable: at once first (a pooled connection
# died with a restart and a fresh one may work), then doubling up to LONGEST_PAUSE.
FIRST_PAUSE = 0.1
LONGEST_PAUSE = 2.0
# How long to remember that an address's event was dropped: far longer than the events queued
# behind it can take to drain.
FORGET_DROPPED = 600.0
NOT_UNDERSTOOD = "Sorry, I didn't understand that. Say help to see what I can do."
TYPED_ACTION = re.compile(r"^\s*([a-z]+(?: +[a-z]+)*)\s+(\S+)\s*$", re.IGNORECASE)
NOT_OFFERED_AUDIT = "input.not_offered"
NOT_OFFERED = "That button or form is no longer available, so nothing was changed."
NOT_STARTABLE = "names a form the person may not start"
NOT_IN_FORM = "names fields or options the form does not offer now"
OTHER_FORM = "names another form than the one in progress"
NOT_A_CHOICE = "names a choice the question does not offer now"
NO_QUESTION = "answers a question while nothing is in progress"
NOT_ADDED = "I haven't added your last message to it."
STARTING_ANOTHER = "Finish it or drop it before starting something else."
MAX_NAMED = 10
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
INPUT_KINDS: dict[type, str] = {
    FormInput: "form",
    ChoiceInput: "choice",
    CommandInput: "command",
    ActionInput: "action",
}
KEPT_REPLY_KIND = "kept_reply"
KEPT_REPLY_TITLE = "My reply to your last message (it could not be sent at the time)"
UNAVAILABLE = "because the hub's database is unavailable"
ALREADY_SAVED = (
    "Your last message was saved, though the hub's database was briefly unavailable as I did it."
)


def not_saved(user_input: Input) -> str:
    """What to tell a person whose input was dropped, untouched, because of a database outage."""
    match user_input:
        case OpenedInput():
            return f"I can't show you anything just now {UNAVAILABLE}. Please try again in a few minutes."
        case FormInput():
            return (
                f"I couldn't save the form you submitted {UNAVAILABLE}. Nothing from it was "
                "recorded; please submit it again in a few minutes."
            )
        case ActionInput() | ChoiceInput() | CommandInput():
            return (
                f"I couldn't record that button press {UNAVAILABLE}. Nothing was changed; "
                "please press it again in a few minutes."
            )
    return (
        f"I couldn't save your last message {UNAVAILABLE}. Nothing from it was recorded; "
        "please send it again in a few minutes."
    )


@dataclass(frozen=True)
class TurnResult:
    """What to send back for one event; `errors` (per field) when a whole form was refused."""

    replies: tuple[Outbound, ...]
    duplicate: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)
    actor_id: int | None = None
    # The database stayed unreachable: nothing was recorded and the one reply says so.
    unsaved: bool = False


class _Refused(Exception):
    """A whole-form submission with bad values: roll back and report the errors."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("form refused")
        self.errors = errors


class _Patience:
    """The pauses between attempts while the database is unreachable, up to a deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.next = 0.0

    async def pause(self) -> bool:
        """Wait before the next attempt; False (at once) when the deadline has passed."""
        left = self.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return False
        await asyncio.sleep(min(self.next, left))
        self.next = min(max(self.next * 2, FIRST_PAUSE), LONGEST_PAUSE)
        return True


class TurnLoop:
    """Handles inbound events for every channel; see the module docstring for the guarantees."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        registry: Registry,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.calendar = calendar or WorkingCalendar(timezone=settings.timezone)
        self.registry = registry
        # Per address: the lock that keeps its turns in order (kept while anyone holds or
        # awaits it), and when an event of it was last dropped (kept for FORGET_DROPPED).
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._dropped: dict[str, float] = {}

    async def handle(
        self,
        inbound: Inbound,
        *,
        patience: timedelta | None = None,
        arrived: float | None = None,
    ) -> TurnResult:
        """Process one event; safe to call again with the same event id.

        An address's events are processed one at a time, in arrival order. While the database
        is unreachable the turn is tried again until `patience` (the `database_retry` setting
        unless given) has passed since the event arrived; then nothing is recorded and the
        result is `unsaved`, with a reply that says so. A channel that queues events before
        calling gives `arrived`, the event loop's time when the event reached it.
        """
        inbound = clean_inbound(inbound)
        loop = asyncio.get_running_loop()
        arrived = loop.time() if arrived is None else arrived
        wait = self.settings.database_retry if patience is None else patience
        deadline = arrived + wait.total_seconds()
        key = inbound.address.key
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with asyncio.timeout_at(deadline):
                await lock.acquire()
        except TimeoutError:
            return self._unsaved(inbound, "the events before it")
        try:
            if self._dropped.get(key, -math.inf) > arrived:
                # An earlier event of this conversation was dropped after this one arrived; this
                # one most likely answers the question after it, so it must not land on its own.
                return self._unsaved(inbound, "an earlier event")
            result = await self._attempts(inbound, deadline)
        finally:
            lock.release()
        log.debug(
            "turn %s event=%s input=%s replies=%d saved=%s in %.0f ms",
            inbound.address.platform,
            inbound.event_id,
            type(inbound.input).__name__,
            len(result.replies),
            not result.unsaved,
            (loop.time() - arrived) * 1000,
        )
        return result

    async def _attempts(self, inbound: Inbound, deadline: float) -> TurnResult:
        """Run the turn; again on a version conflict (a few times) or while the database is
        unreachable (until `deadline`, on the event loop's clock)."""
        conflicts = 0
        interrupted = False
        patience = _Patience(deadline)
        while True:
            try:
                return await self._turn(inbound, interrupted)
            except _Refused as refused:
                return TurnResult((), errors=refused.errors)
            except (StaleDataError, IntegrityError):
                conflicts += 1
                if conflicts == MAX_ATTEMPTS:
                    raise
            except Exception as error:
                if not unreachable(error):
                    raise
                interrupted = True
                if not await patience.pause():
                    return self._unsaved(inbound, "the database")

    async def _turn(self, inbound: Inbound, interrupted: bool) -> TurnResult:
        """One attempt, in one transaction. After an `interrupted` attempt, finding the event
        already claimed means that attempt committed but its answer was lost with the
        connection: say so and ask the current question again instead of staying silent."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            uow = UnitOfWork(session, now, self.settings, self.calendar)
            claimed = await claim_event(
                session,
                platform=inbound.address.platform,
                event_id=inbound.event_id,
                now=now,
            )
            if not claimed and not interrupted:
                return TurnResult((), duplicate=True)
            actor = await resolve_actor(session, inbound, now)
            if claimed:
                replies = await self._respond(uow, actor, inbound)
            else:
                replies = await self._already_saved(uow, actor, inbound)
            actor_id = actor.id
        return TurnResult(tuple(replies), actor_id=actor_id)

    def _unsaved(self, inbound: Inbound, waited_for: str) -> TurnResult:
        """Drop the event untouched, remember when, and tell its sender."""
        now = asyncio.get_running_loop().time()
        for key, at in list(self._dropped.items()):
            if at < now - FORGET_DROPPED:
                del self._dropped[key]
        self._dropped[inbound.address.key] = now
        log.warning(
            "dropped a %s event untouched and told its sender: waited too long for %s",
            inbound.address.platform,
            waited_for,
        )
        return TurnResult((Say(not_saved(inbound.input)),), unsaved=True)

    async def _already_saved(
        self, uow: UnitOfWork, actor: Person, inbound: Inbound
    ) -> list[Outbound]:
        saved = Say(ALREADY_SAVED)
        row = await active_session(uow.session, inbound.address.key)
        form = self.registry.forms.get(row.form_id) if row is not None else None
        if row is None or form is None:
            return [saved]
        state = DialogState.from_json(row.state)
        ctx = await self._context(uow, form, state.answers, actor)
        return [saved, *engine.resume(form, state, ctx).replies]

    async def current(self, address: Address, email: str) -> tuple[Outbound, ...]:
        """The question (or summary) open in `address`'s conversation, asked again; nothing when
        no form is in progress. Reads only, so a page can show it as often as it is loaded."""
        async with self.database.transaction() as session:
            row = await active_session(session, address.key)
            form = self.registry.forms.get(row.form_id) if row is not None else None
            if row is None or form is None:
                return ()
            uow = UnitOfWork(session, self.clock.now(), self.settings, self.calendar)
            inbound = Inbound(address, "", OpenedInput(), email)
            actor = await resolve_actor(session, inbound, uow.now)
            state = DialogState.from_json(row.state)
            ctx = await self._context(uow, form, state.answers, actor)
            return tuple(engine.resume(form, state, ctx).replies)

    async def keep_replies(self, address: Address, event_id: str, result: TurnResult) -> bool:
        """Queue replies a channel could not post, as one plain-text message in the outbox.

        The turn has committed, and a platform retry of the event is a duplicate that gets no
        reply, so without this the person would never see the answer (a reference, the next
        question). True when queued; a second call for the same event queues nothing. False
        too when the database stays unreachable for the `database_retry` setting (logged).
        """
        if result.actor_id is None or not result.replies:
            return False
        notice = Notice(
            KEPT_REPLY_KIND, KEPT_REPLY_TITLE, tuple(as_text(item) for item in result.replies)
        )
        patience = _Patience(
            asyncio.get_running_loop().time() + self.settings.database_retry.total_seconds()
        )
        while True:
            try:
                async with self.database.transaction() as session:
                    return await outbox.enqueue(
                        session,
                        dedupe_key=f"reply:{address.platform}:{event_id}",
                        kind=KEPT_REPLY_KIND,
                        payload=notice_to_json(notice),
                        now=self.clock.now(),
                        recipient_id=result.actor_id,
                    )
            except Exception as error:
                if not unreachable(error):
                    raise
                if not await patience.pause():
                    log.error("a reply that could not be posted is lost: database unreachable")
                    return False

    async def _respond(self, uow: UnitOfWork, actor: Person, inbound: Inbound) -> list[Outbound]:
        user_input = inbound.input
        row = await active_session(uow.session, inbound.address.key)
        if isinstance(user_input, ActionInput):
            return await self._action(uow, actor, inbound, user_input, row)
        if row is not None:
            return await self._continue(uow, actor, inbound, row)
        return await self._fresh(uow, actor, inbound)

    async def _action(
        self,
        uow: UnitOfWork,
        actor: Person,
        inbound: Inbound,
        pressed: ActionInput,
        row: DialogSession | None,
    ) -> list[Outbound]:
        """A notice button: the service acts, or asks for details through a form."""
        handler = self.registry.actions.get(pressed.action)
        if handler is None:
            return await self._refuse_unoffered(
                uow, actor, inbound, "an action the hub has no button for", action=pressed.action
            )
        outcome = await handler(uow, actor, pressed)
        if not outcome.start_form:
            return outcome.replies
        if row is not None:
            title = (
                self.registry.forms[row.form_id].title.lower()
                if row.form_id in self.registry.forms
                else "conversation"
            )
            return [
                *outcome.replies,
                Say(
                    f"You are in the middle of a {title}. Finish it or say cancel, then press the button again."
                ),
            ]
        form = self.registry.forms[outcome.start_form]
        return [*outcome.replies, *await self._start(uow, actor, inbound, form, outcome.prefill)]

    async def _continue(
        self, uow: UnitOfWork, actor: Person, inbound: Inbound, row: DialogSession
    ) -> list[Outbound]:
        """The next input of a conversation in flight, unless it is put aside (see `_parked`).

        Submitted data is first checked against what this conversation offers now; anything
        else changes nothing and is audited.
        """
        form = self.registry.forms.get(row.form_id)
        user_input = inbound.input
        if form is None:
            await _end_unrecorded(uow, row, "retired")
            return [
                Say("That conversation is no longer available; please start again."),
                Say(help_for(self.registry, actor)),
            ]
        state = DialogState.from_json(row.state)
        seen: dict[str, JsonValue] = dict(state.answers)
        if isinstance(user_input, FormInput):
            # Options that depend on other answers (the agreements of the chosen partner) must
            # be those of the answers submitted in the same form.
            for name, value in user_input.values.items():
                seen[name] = value if isinstance(value, str) else [*value]
        ctx = await self._context(uow, form, seen, actor)
        parked = (
            row.offered_back
            or uow.now - row.updated_at > self.settings.session_idle
            or isinstance(user_input, OpenedInput)
        )
        refused = _not_offered(form, state, user_input, ctx)
        if refused is not None:
            reason, fields = refused
            replies = await self._refuse_unoffered(
                uow,
                actor,
                inbound,
                reason,
                form=user_input.form_id if isinstance(user_input, FormInput) else form.id,
                fields=fields,
            )
            if parked:
                return [*replies, _reminder(form, state, first=not row.offered_back)]
            current = await self._context(uow, form, state.answers, actor)
            return [*replies, *engine.resume(form, state, current).replies]
        command = user_input.command if isinstance(user_input, CommandInput) else None
        if isinstance(user_input, TextInput):
            typed = user_input.text.strip().lower()
            command = {"resume": Command.RESUME, "discard": Command.DISCARD}.get(typed)
        if command is Command.DISCARD:
            await _end_unrecorded(uow, row, "discarded")
            return [Say(f"Dropped your unfinished {form.title.lower()}. Nothing was recorded.")]
        if command is Command.RESUME:
            row.offered_back, row.updated_at = False, uow.now
            return list(engine.resume(form, state, ctx).replies)
        if parked and not _belongs(form, state, user_input):
            return await self._parked(uow, actor, inbound, form, state, row)
        if command is Command.START:
            return [
                Say(
                    f"You are in the middle of a {form.title.lower()}. Finish it, or say cancel first."
                ),
                *engine.resume(form, state, ctx).replies,
            ]
        if isinstance(user_input, FilesInput) and user_input.uploads:
            question = engine.next_field(form, state)
            kept = await photos.receive(uow, actor, row.id, question, user_input.uploads)
            if isinstance(kept, Refused):
                return [Say(kept.reason), *engine.resume(form, state, ctx).replies]
            user_input = FilesInput(kept.value)
        step = engine.advance(form, state, user_input, ctx)
        return await self._apply(uow, actor, inbound, form, row, step)

    async def _parked(
        self,
        uow: UnitOfWork,
        actor: Person,
        inbound: Inbound,
        form: FormDefinition,
        state: DialogState,
        row: DialogSession,
    ) -> list[Outbound]:
        """A draft put aside (idle too long, or the person came back): it waits for resume.

        Until then, what the person sends is handled as if no conversation were in flight:
        commands, questions and typed actions work, and nothing they type is taken as an answer
        to a question they may no longer have in mind. Cancel drops the draft. A reminder of the
        draft ends every reply.
        """
        first = not row.offered_back
        row.offered_back, row.updated_at = True, uow.now
        user_input = inbound.input
        said = parse_command(user_input.text) if isinstance(user_input, TextInput) else None
        command = user_input if isinstance(user_input, CommandInput) else said
        if command is not None and command.command is Command.CANCEL:
            ctx = await self._context(uow, form, state.answers, actor)
            step = engine.advance(form, state, command, ctx)
            return await self._apply(uow, actor, inbound, form, row, step)
        if command is not None and command.command is Command.RESUME:
            row.offered_back = False
            ctx = await self._context(uow, form, state.answers, actor)
            return list(engine.resume(form, state, ctx).replies)
        if command is not None and command.command is Command.HELP:
            return [Say(help_for(self.registry, actor)), _reminder(form, state, first)]
        if command is not None and command.command is Command.START:
            return [_reminder(form, state, first, STARTING_ANOTHER)]
        if isinstance(user_input, OpenedInput):
            return [_reminder(form, state, first)]
        if command is not None or not isinstance(user_input, TextInput):
            return [_reminder(form, state, first, NOT_ADDED)]
        typed = self._typed_action(user_input)
        if typed is not None:
            outcome = await self.registry.actions[typed.action](uow, actor, typed)
            note = STARTING_ANOTHER if outcome.start_form else ""
            return [*outcome.replies, _reminder(form, state, first, note)]
        intent = route(self.registry.intents, user_input.text)
        if isinstance(intent, AskQuery):
            return [await answer(self.registry, uow, actor, intent), _reminder(form, state, first)]
        note = STARTING_ANOTHER if isinstance(intent, StartForm) else NOT_ADDED
        return [_reminder(form, state, first, note)]

    async def _fresh(self, uow: UnitOfWork, actor: Person, inbound: Inbound) -> list[Outbound]:
        user_input = inbound.input
        if isinstance(user_input, OpenedInput):
            name = actor.name.split()[0] if actor.in_directory else "there"
            return [Say(f"Hello {name}. {help_for(self.registry, actor)}")]
        if isinstance(user_input, ChoiceInput):
            if user_input.field:
                return await self._refuse_unoffered(
                    uow, actor, inbound, NO_QUESTION, fields=(user_input.field,)
                )
            user_input = TextInput(user_input.value)
        typed = self._typed_action(user_input) if isinstance(user_input, TextInput) else None
        if typed is not None:
            return await self._action(uow, actor, inbound, typed, None)
        intent: StartForm | AskQuery | None = None
        if isinstance(user_input, TextInput):
            intent = route(self.registry.intents, user_input.text)
        elif isinstance(user_input, CommandInput):
            if user_input.command is Command.START:
                if not self._person_may_start(user_input.argument):
                    return await self._refuse_unoffered(
                        uow, actor, inbound, NOT_STARTABLE, form=user_input.argument
                    )
                intent = StartForm(user_input.argument)
            elif user_input.command is Command.HELP:
                intent = AskQuery(HELP)
            else:
                return [
                    Say("There is nothing in progress to do that with."),
                    Say(help_for(self.registry, actor)),
                ]
        elif isinstance(user_input, FormInput):
            refused = await self._unstartable(uow, actor, user_input)
            if refused is not None:
                reason, fields = refused
                return await self._refuse_unoffered(
                    uow, actor, inbound, reason, form=user_input.form_id, fields=fields
                )
            intent = StartForm(user_input.form_id)
        if intent is None:
            return [Say(NOT_UNDERSTOOD)]
        if isinstance(intent, AskQuery):
            return [await answer(self.registry, uow, actor, intent)]
        refusal = await self.registry.refusal_to_start(uow, actor, intent.form_id)
        if refusal:
            return [Say(refusal)]
        prelude = self.registry.prelude
        if prelude and prelude.due(actor) and not isinstance(user_input, FormInput):
            prelude.asked(actor)
            then = (
                user_input.text if isinstance(user_input, TextInput) else f"start:{intent.form_id}"
            )
            return await self._start(
                uow, actor, inbound, self.registry.forms[prelude.form_id], {}, then
            )
        replies = await self._start(
            uow, actor, inbound, self.registry.forms[intent.form_id], intent.prefill
        )
        if isinstance(user_input, FormInput):
            row = await active_session(uow.session, inbound.address.key)
            assert row is not None
            return await self._continue(uow, actor, inbound, row)
        return replies

    async def _unstartable(
        self, uow: UnitOfWork, actor: Person, submitted: FormInput
    ) -> tuple[str, tuple[str, ...]] | None:
        """Why a whole form sent outside any conversation may not start one, if it may not."""
        if not self._person_may_start(submitted.form_id):
            return NOT_STARTABLE, ()
        form = self.registry.forms[submitted.form_id]
        seen: dict[str, JsonValue] = {
            k: v if isinstance(v, str) else [*v] for k, v in submitted.values.items()
        }
        ctx = await self._context(uow, form, seen, actor)
        fresh = DialogState(form.id, form.version, {})
        fields = engine.unoffered(form, fresh, submitted.values, ctx)
        return (NOT_IN_FORM, fields) if fields else None

    async def _refuse_unoffered(
        self,
        uow: UnitOfWork,
        actor: Person,
        inbound: Inbound,
        reason: str,
        *,
        form: str = "",
        fields: tuple[str, ...] = (),
        action: str = "",
    ) -> list[Outbound]:
        """Submitted data naming what was never offered here: change nothing, audit what it
        named (never the values), and answer neutrally."""
        user_input = inbound.input
        reference = user_input.reference if isinstance(user_input, ActionInput) else ""
        if isinstance(user_input, FormInput):
            reference = str(user_input.values.get("reference") or "")
        named: dict[str, Any] = {"form": _named(form)} if form else {}
        if fields:
            named["fields"] = sorted({_named(f) for f in fields})[:MAX_NAMED]
        if action:
            named["named_action"] = _named(action)
        shaped = Reference.shaped(reference)
        await uow.audit(
            actor,
            NOT_OFFERED_AUDIT,
            shaped.text[:20] if shaped else "",
            platform=inbound.address.platform.value,
            input=INPUT_KINDS.get(type(user_input), "other"),
            reason=reason,
            **named,
        )
        return [Say(NOT_OFFERED)]

    def _typed_action(self, typed: TextInput) -> ActionInput | None:
        """'approve IR-2026-0001' typed: the same as pressing that button, where none can be pressed.

        A record reference names its domain by its prefix; a register item (VUL-18, named freely)
        goes to the domain that claims every item prefix (ANY_PREFIX): 'snooze VUL-18'.
        """
        match = TYPED_ACTION.match(typed.text)
        if match is None:
            return None
        record = Reference.parse(match.group(2))
        reference = record or Reference.parse_item(match.group(2))
        if reference is None:
            return None
        prefix = self.registry.action_prefixes.get(reference.prefix if record else ANY_PREFIX)
        action = f"{prefix}.{'_'.join(match.group(1).lower().split())}"
        return (
            ActionInput(action, reference.text)
            if prefix and action in self.registry.actions
            else None
        )

    async def _start(
        self,
        uow: UnitOfWork,
        actor: Person,
        inbound: Inbound,
        form: FormDefinition,
        prefill: Mapping[str, JsonValue],
        then_text: str = "",
    ) -> list[Outbound]:
        valid_prefill = {k: v for k, v in prefill.items() if form.field(k) is not None}
        ctx = await self._context(uow, form, valid_prefill, actor)
        step = engine.start(form, ctx, valid_prefill)
        row = DialogSession(
            address_key=inbound.address.key,
            person_id=actor.id,
            form_id=form.id,
            state=step.state.to_json(),
            active=True,
            then_text=then_text,
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(row)
        await uow.session.flush()
        return list(step.replies)

    async def _apply(
        self,
        uow: UnitOfWork,
        actor: Person,
        inbound: Inbound,
        form: FormDefinition,
        row: DialogSession,
        step: Step,
    ) -> list[Outbound]:
        if step.errors:
            raise _Refused(step.errors)
        row.state = step.state.to_json()
        row.updated_at = uow.now
        row.offered_back = False
        if step.outcome is Outcome.CONTINUE:
            return list(step.replies)
        if step.outcome is not Outcome.SUBMIT:
            await _end_unrecorded(uow, row, step.outcome.value)
            return list(step.replies)
        row.active, row.outcome = False, step.outcome.value
        try:
            async with uow.session.begin_nested():
                done = await self.registry.submit(
                    uow, actor, form.id, step.answers, inbound.address.platform
                )
        except ServiceError as refused:
            await _end_unrecorded(uow, row, "refused")
            reference = str(
                step.answers.get("reference") or step.answers.get("recommendation") or ""
            )
            await uow.audit(
                actor, "form.refused", reference[:20], form=form.id, reason=str(refused)
            )
            return [Say(str(refused))]
        if row.then_text:
            await uow.session.flush()
            follow = row.then_text
            follow_input = (
                CommandInput(Command.START, follow.removeprefix("start:"))
                if follow.startswith("start:")
                else TextInput(follow)
            )
            more = await self._fresh(
                uow, actor, Inbound(inbound.address, inbound.event_id, follow_input)
            )
            return [*step.replies, *done, *more]
        return [*step.replies, *done]

    async def _context(
        self, uow: UnitOfWork, form: FormDefinition, answers: Mapping[str, JsonValue], actor: Person
    ) -> FormContext:
        options = await self.registry.form_options(uow, form.id, answers, actor)
        return FormContext(now=uow.local_now, options=options)

    def _person_may_start(self, form_id: str) -> bool:
        form = self.registry.forms.get(form_id)
        return form is not None and form.started_by is Starter.PERSON


async def _end_unrecorded(uow: UnitOfWork, row: DialogSession, outcome: str) -> None:
    """Close a conversation that recorded nothing, keeping none of its answers or photos:
    "Nothing was recorded" must be true of the draft too (a child's name typed into a
    cancelled form)."""
    row.active, row.outcome = False, outcome
    row.state, row.then_text = {}, ""
    await delete_unrecorded(uow.session, row.id)


def _named(name: str) -> str:
    """A name from submitted data as the audit log may keep it: an identifier, never text."""
    return name if IDENTIFIER.match(name) else "(not an identifier)"


def _not_offered(
    form: FormDefinition, state: DialogState, user_input: Input, ctx: FormContext
) -> tuple[str, tuple[str, ...]] | None:
    """Why submitted data does not answer what this conversation offers now (and the fields it
    named), or None when it does or is not submitted data."""
    if isinstance(user_input, FormInput):
        if user_input.form_id != form.id:
            return OTHER_FORM, ()
        fields = engine.unoffered(form, state, user_input.values, ctx)
        return (NOT_IN_FORM, fields) if fields else None
    if isinstance(user_input, ChoiceInput) and not engine.choice_offered(
        form, state, user_input, ctx
    ):
        return NOT_A_CHOICE, (user_input.field,)
    return None


def _belongs(form: FormDefinition, state: DialogState, user_input: Input) -> bool:
    """Whether input sent to a draft put aside answers the question the draft stands at: a
    button or card of that question carries on without a resume (typed text never does)."""
    current = engine.next_field(form, state)
    if isinstance(user_input, FormInput):
        return True
    if isinstance(user_input, ChoiceInput):
        return current is not None and user_input.field == current.name
    if isinstance(user_input, FilesInput):
        return current is not None and current.kind is FieldKind.ATTACHMENT
    if isinstance(user_input, CommandInput):
        match user_input.command:
            case Command.CANCEL:
                return True
            case Command.SKIP:
                return current is not None and not current.required
            case Command.CONFIRM | Command.EDIT:
                return current is None
    return False


def _reminder(form: FormDefinition, state: DialogState, first: bool, note: str = "") -> Say:
    """The line that tells someone about their draft put aside, and how to take it up or drop it."""
    welcome = "Welcome back. " if first else ""
    extra = f"{note} " if note else ""
    return Say(
        f"{welcome}You have an unfinished {form.title.lower()} ({len(state.answers)} answers "
        f"so far). {extra}Say resume to carry on, or discard to drop it."
    )
