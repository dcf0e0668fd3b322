"""Hostile text through the real turn loop, on SQLite and PostgreSQL.

At every question of every form in `REGISTRY.forms` (reached by answering the earlier ones validly, each
conditional question included, in a conversation opened the way the system opens it) and typed
with no conversation in progress: no exception escapes, the reply says what happens next, an
accepted answer is stored cleaned, a refused one leaves the conversation as it was, and no
record is written before a confirm. The forms are enumerated, not listed: a new form is covered
as soon as it is in `REGISTRY.forms`, and fails here if nobody in the sample directory can reach one of
its questions.

The tests are synchronous and drive their own event loop, so that Hypothesis can run many
examples against one hub; each example starts from the same saved conversation.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pytest
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import REGISTRY
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.identity import resolve_actor
from dialogs import engine
from dialogs.cleaning import scrub
from dialogs.commands import parse_command
from dialogs.engine import DialogState
from dialogs.form import FieldKind, FormDefinition
from dialogs.messages import (
    ActionInput,
    Address,
    Ask,
    Command,
    Completed,
    Inbound,
    Input,
    JsonValue,
    OpenedInput,
    Option,
    Outbound,
    Platform,
    Say,
    Summary,
    TextInput,
)
from dialogs.plain import as_text
from storage import directory
from storage.models import Base, Concern, DialogSession, Person
from tests.conftest import Person as PersonTalker
from tests.conversation.test_conversations import CONCERN_ANSWERS, REQUEST_ANSWERS
from tests.hostile import EXAMPLES, PROFILE, harmful, hostile_text, strings_in
from tests.walk import SUMMARY, Route, routes

Meet = Callable[[str], PersonTalker]
RACIST_GRAFFITI = "there's racist graffiti on the bus stop on Cheapside"
CONVERSATION_TABLES = {"dialog_session", "processed_event"}
AUDIT_TABLES = {"audit_log", "audit_head"}
NEWCOMER_TABLES = {"person", "person_role"}


@pytest.fixture
def loop() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def world(database_url: str, clock: FixedClock, loop: asyncio.Runner) -> Iterator[Hub]:
    """The sample hub, with a concern and an information request on record, on this loop."""
    hub = Hub.build(Settings(database_url=database_url), clock)
    loop.run(hub.load_sample())
    loop.run(_records(hub))
    yield hub
    loop.run(hub.close())


async def _records(hub: Hub) -> None:
    kim = Talker(hub, "kim@example.org", "records")
    for answer in (RACIST_GRAFFITI, *CONCERN_ANSWERS):
        await kim.send(answer)
    concern = await kim.send("confirm")
    for answer in ("request information", *REQUEST_ANSWERS, "Housing Service", "skip", "no"):
        await kim.send(answer)  # Housing needs no authoriser (City Police, Kim's own, would)
    for answer in ("needed", "no", "ok", "1", "routine", "2026-12-18", "secure email"):
        await kim.send(answer)
    await kim.send("2027-06-30")
    await kim.send("I confirm")
    request = await kim.send("confirm")
    assert [isinstance(r[-1], Completed) for r in (concern, request)] == [True, True]


@dataclass
class Talker:
    """Someone talking to the hub in one conversation of their own."""

    hub: Hub
    email: str
    conversation: str

    @property
    def address(self) -> Address:
        return Address(Platform.CONSOLE, "local", self.conversation, self.email)

    async def send(self, item: Input | str) -> tuple[Outbound, ...]:
        user_input = TextInput(item) if isinstance(item, str) else item
        inbound = Inbound(self.address, uuid.uuid4().hex, user_input, email=self.email)
        return (await self.hub.turns.handle(inbound)).replies


async def _counts(session: AsyncSession) -> dict[str, int]:
    """Rows in every table: a new table is watched as soon as it is in the models."""
    parts = [
        f"SELECT '{t.name}' AS name, COUNT(*) AS n FROM \"{t.name}\""
        for t in Base.metadata.sorted_tables
    ]
    rows = await session.execute(text(" UNION ALL ".join(parts)))
    return {str(name): int(n) for name, n in rows.all()}


def _changed(before: Mapping[str, int], after: Mapping[str, int]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


async def _active(hub: Hub, address: Address) -> DialogSession | None:
    async with hub.database.transaction() as session:
        return await session.scalar(
            select(DialogSession).where(
                DialogSession.address_key == address.key, DialogSession.active
            )
        )


async def _open(
    hub: Hub, talker: Talker, form: FormDefinition, prefill: Mapping[str, JsonValue]
) -> None:
    """Open `form` as the turn loop does when a button or an intent starts it."""
    async with hub.unit() as uow:
        await uow.session.execute(
            update(DialogSession)
            .where(DialogSession.address_key == talker.address.key)
            .values(active=False)
        )
        actor = await directory.person_by_email(uow.session, talker.email)
        assert actor is not None
        inbound = Inbound(talker.address, "open", OpenedInput(), email=talker.email)
        await hub.turns._start(uow, actor, inbound, form, prefill)


async def _restore(hub: Hub, row_id: int, state: Mapping[str, JsonValue]) -> dict[str, int]:
    """Put the conversation back as it was before an example; the rows in every table then."""
    async with hub.database.transaction() as session:
        row = await session.get(DialogSession, row_id)
        assert row is not None
        await session.execute(
            update(DialogSession)
            .where(DialogSession.address_key == row.address_key, DialogSession.id != row_id)
            .values(active=False)
        )
        row.state = copy.deepcopy(dict(state))
        row.active, row.outcome, row.offered_back = True, "", False
        row.updated_at = hub.clock.now()
        await session.flush()
        return await _counts(session)


def _options_for(
    loop: asyncio.Runner, hub: Hub, form: FormDefinition, email: str
) -> Callable[[Mapping[str, JsonValue]], Mapping[str, tuple[Option, ...]]]:
    """The hub's real option lists for `email`, remembered per set of answers."""
    seen: dict[str, Mapping[str, tuple[Option, ...]]] = {}

    async def load(answers: Mapping[str, JsonValue]) -> Mapping[str, tuple[Option, ...]]:
        async with hub.unit() as uow:
            actor = await directory.person_by_email(uow.session, email)
            assert actor is not None
            return await REGISTRY.form_options(uow, form.id, answers, actor)

    def options(answers: Mapping[str, JsonValue]) -> Mapping[str, tuple[Option, ...]]:
        key = repr(sorted(answers.items()))
        if key not in seen:
            seen[key] = loop.run(load(answers))
        return seen[key]

    return options


def _plan(loop: asyncio.Runner, hub: Hub, form: FormDefinition) -> tuple[str, list[Route]]:
    """Someone from the sample directory who can reach every question of `form`, and the routes."""
    now = hub.clock.now().astimezone(hub.settings.timezone)

    async def people() -> list[str]:
        async with hub.database.transaction() as session:
            found = await session.scalars(
                select(Person.email).where(Person.in_directory).order_by(Person.email)
            )
            return list(found)

    closest: dict[str, set[str]] = {}
    for email in loop.run(people()):
        found, missing = routes(form, _options_for(loop, hub, form, email), now)
        if not missing:
            return email, sorted(found, key=lambda r: r.field != SUMMARY)
        closest[email] = missing
    best = min(closest.items(), key=lambda item: len(item[1]))
    pytest.fail(f"{form.id}: nobody in the sample directory reaches {sorted(best[1])}")


def _where(replies: tuple[Outbound, ...]) -> str:
    last = replies[-1] if replies else None
    if isinstance(last, Ask):
        return last.field
    return SUMMARY if isinstance(last, Summary) else ""


@dataclass(frozen=True)
class Question:
    """One question of one form, reached in a saved conversation."""

    form: FormDefinition
    field: str
    talker: Talker
    row_id: int
    state: dict[str, JsonValue]


def _is_command(raw: str) -> bool:
    """Whether the turn loop reads `raw` as a command rather than an answer."""
    cleaned = scrub(raw)
    command = parse_command(cleaned)
    typed = cleaned.strip().lower()
    return typed in ("resume", "discard") or (
        command is not None and command.command not in (Command.EDIT, Command.HELP)
    )


async def _answer_hostile(question: Question, raw: str) -> None:
    hub, talker = question.talker.hub, question.talker
    before = await _restore(hub, question.row_id, question.state)
    replies = await talker.send(raw)
    async with hub.database.transaction() as session:
        row = await session.get(DialogSession, question.row_id)
        assert row is not None
        state, active, outcome = row.state, row.active, row.outcome
        after = await _counts(session)
    assert replies, "every message gets a reply"
    assert all(as_text(reply) for reply in replies)
    assert not [ch for s in strings_in(state) for ch in harmful(s)], "stored answers are clean"
    if _is_command(raw) or outcome in ("submit", "refused"):
        return  # the form ended at its submitter (a form without a summary), which decided
    assert not _changed(before, after) - CONVERSATION_TABLES, "nothing recorded before confirm"
    if not active:
        assert outcome == "stopped" and isinstance(replies[-1], Say)
        return
    was, now = dict(question.state["answers"]), dict(state["answers"])
    if now == was:
        same_again = question.state["editing"] == question.field and _where(replies) == SUMMARY
        if parse_command(scrub(raw)) is None and not same_again:
            assert state["editing"] == question.state["editing"], "a refusal changes nothing"
        spec = question.form.field(question.field)
        if spec is not None and _where(replies) == question.field:
            asked = replies[-1]
            assert isinstance(asked, Ask)
            assert asked.error or len(replies) > 1, "a refused answer is told why"
        else:
            assert _where(replies), "the reply asks the next thing"
        return
    assert question.field != SUMMARY
    local = hub.clock.now().astimezone(hub.settings.timezone)
    answered = {**was, question.field: now[question.field]}
    implied = engine.implied_answers(question.form, answered, local)
    assert now == implied, "only this answer changed, and what it implies"
    spec = question.form.field(question.field)
    assert spec is not None
    value = now[question.field]
    if spec.kind is FieldKind.TEXT:
        assert isinstance(value, str) and 0 < len(value) <= spec.max_length
    assert _where(replies) or isinstance(replies[-1], Say)


def _hostile_at(loop: asyncio.Runner, question: Question) -> None:
    @seed(zlib.crc32(f"{question.form.id}.{question.field}".encode()))
    @settings(PROFILE, max_examples=EXAMPLES)
    @given(raw=hostile_text())
    @example(raw="¹")
    @example(raw="1\x00")
    @example(raw="<!channel> '; DROP TABLE concern; -- \u202e" * 700)
    def check(raw: str) -> None:
        loop.run(_answer_hostile(question, raw))

    check()


def test_every_question_of_every_form_survives_hostile_text(
    loop: asyncio.Runner, world: Hub
) -> None:
    asked = 0
    for form in REGISTRY.forms.values():
        email, planned = _plan(loop, world, form)
        talker = Talker(world, email, f"hostile-{form.id}")
        options = _options_for(loop, world, form, email)
        covered: set[str] = set()
        for route in planned:
            if route.field in covered:
                continue
            loop.run(_open(world, talker, form, route.prefill))
            for step in (*route.inputs, None):
                row = loop.run(_active(world, talker.address))
                assert row is not None, f"{form.id}: the conversation ended on the way"
                state = DialogState.from_json(row.state)
                current = engine.next_field(form, state, options(state.answers))
                ask = current.name if current else SUMMARY
                if ask not in covered:
                    covered.add(ask)
                    asked += 1
                    _hostile_at(loop, Question(form, ask, talker, row.id, copy.deepcopy(row.state)))
                    loop.run(_restore(world, row.id, row.state))
                if step is not None:
                    loop.run(talker.send(step))
        assert {r.field for r in planned} <= covered
    assert asked >= len(REGISTRY.forms)


STAFF, MANAGER, NEWCOMER = "alex@example.org", "priya@example.org", "(someone new)"
REFERENCES = (
    "CN-2026-0001",
    "IR-2026-0001",
    "cn-2026-0001",
    "IR-٢٠٢٦-٠٠٠١",
    "IR-２０２６-０００１",
    "IR-2026-000¹",
    "CN-2026-0001\x00",
    "IR-9999-999999",
    "VUL-18",
    "VUL-¹⁸",
    "TA-1",
)
QUERIES = (
    "status",
    "show",
    "concerns near",
    "concerns in",
    "actions for",
    "update",
    "reassign",
    "approve",
    "change",
    "report graffiti on",
    "request information about",
)
WORDS = (
    "help",
    "my actions",
    "my reports",
    "my requests",
    "open concerns",
    "hotspots",
    "tension areas",
    "elevated tension",
    "trigger event",
    "progress report",
    "overdue",
    "add an action",
)


def typed(turns_actions: Mapping[str, object]) -> st.SearchStrategy[str]:
    """Commands and intents as people type them, with hostile arguments or decorations."""
    verbs = sorted(
        {
            name.split(".", 1)[1].replace("_", " ")
            for name in turns_actions
            if name.startswith(("concern.", "request."))
        }
    )
    reference = st.one_of(
        st.sampled_from(REFERENCES),
        st.tuples(st.sampled_from(("IR-2026-", "CN-2026-", "VUL-")), hostile_text()).map("".join),
    )
    return st.one_of(
        hostile_text(),
        st.tuples(st.sampled_from(verbs), reference).map(" ".join),
        st.tuples(st.sampled_from(QUERIES), st.one_of(reference, hostile_text())).map(" ".join),
        st.tuples(st.sampled_from(WORDS), hostile_text()).map(lambda t: t[0] + t[1]),
        st.tuples(hostile_text(), st.sampled_from(WORDS)).map("".join),
    )


async def _type_hostile(hub: Hub, who: str, raw: str) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@elsewhere.example" if who == NEWCOMER else who
    talker = Talker(hub, email, "hostile-typed")
    async with hub.database.transaction() as session:
        await session.execute(
            update(DialogSession)
            .where(DialogSession.address_key == talker.address.key)
            .values(active=False)
        )
        before = await _counts(session)
    replies = await talker.send(raw)
    async with hub.database.transaction() as session:
        after = await _counts(session)
        row = await session.scalar(
            select(DialogSession).where(
                DialogSession.address_key == talker.address.key, DialogSession.active
            )
        )
        person = await directory.person_by_email(session, email)
    assert replies, "every message gets a reply"
    assert all(as_text(reply) for reply in replies)
    allowed = CONVERSATION_TABLES | AUDIT_TABLES | (NEWCOMER_TABLES if who == NEWCOMER else set())
    assert not _changed(before, after) - allowed, "a typed command records nothing by itself"
    assert person is not None and not harmful(person.name) and not harmful(person.email)
    if row is not None:
        assert row.form_id in REGISTRY.forms
        assert not [ch for s in (*strings_in(row.state), row.then_text) for ch in harmful(s)]


def test_typed_commands_and_free_text_survive_hostile_text(
    loop: asyncio.Runner, world: Hub
) -> None:
    @seed(20261123)
    @settings(PROFILE, max_examples=EXAMPLES * 12)
    @given(who=st.sampled_from((STAFF, MANAGER, NEWCOMER)), raw=typed(world.turns.registry.actions))
    @example(who=NEWCOMER, raw="report graffiti\x00 on Cheapside")
    @example(who=STAFF, raw="acknowledge CN-2026-000¹")
    @example(who=MANAGER, raw="concerns near EC2V ¹")
    @example(who=STAFF, raw="approve" + " " * 9_000 + "x")
    def check(who: str, raw: str) -> None:
        loop.run(_type_hostile(world, who, raw))

    check()


async def test_a_newcomers_first_message_with_a_nul_is_kept_cleaned(sample_hub: Hub) -> None:
    newcomer = PersonTalker(sample_hub, "new@elsewhere.example")
    asked = await newcomer.send("report graffiti\x00 on Cheapside\u202e")
    assert isinstance(asked[-1], Ask) and asked[-1].field == "organisation"
    async with sample_hub.database.transaction() as session:
        row = await session.scalar(select(DialogSession).where(DialogSession.active))
    assert row is not None and row.then_text == "report graffiti on Cheapside"
    carried_on = await newcomer.send("Another organisation")
    assert isinstance(carried_on[-1], Ask) and carried_on[-1].field == "danger_now"


async def test_yes_no_questions_accept_the_numbers_they_list(person: Meet) -> None:
    alex = person("alex@example.org")
    asked = (await alex.send("report graffiti"))[-1]
    assert "1. Yes" in as_text(asked) and "2. No" in as_text(asked)
    assert (await alex.send("2"))[-1].field == "about_person"
    assert (await alex.send("２"))[-1].field == "description"
    assert (await alex.send("what I saw"))[-1].field == "category"
    refused = (await alex.send("¹"))[-1]
    assert refused.field == "category" and "not one of the options" in refused.error


async def test_joiners_in_persian_indic_and_emoji_reach_the_record(
    person: Meet, sample_hub: Hub
) -> None:
    words = "می‌خواهم گزارش بدهم: क्‍ष 👩‍👩‍👧 on the wall"
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", words, "hate graffiti", "race", "none", "skip")
    await alex.say("Cheapside", "none")  # where (the words say a wall), not reported elsewhere
    done = await alex.send("confirm")
    assert done[-1].reference == "CN-2026-0001"
    async with sample_hub.database.transaction() as session:
        assert await session.scalar(select(Concern.description)) == words


async def test_ending_a_tension_period_named_with_a_superscript_is_refused(person: Meet) -> None:
    priya = person("priya@example.org")
    for reference in ("TA-¹", "TA-99999999999999999999999", "TA-1\n"):
        replies = await priya.send(ActionInput("tension.end", reference))
        assert isinstance(replies[-1], Say)


async def test_a_typed_action_padded_with_spaces_is_answered_at_once(person: Meet) -> None:
    alex = person("alex@example.org")
    started = time.perf_counter()
    replies = await alex.send("approve" + " " * 9_990 + "x")
    assert time.perf_counter() - started < 1.0
    assert isinstance(replies[-1], Say)


async def test_a_name_a_channel_links_directly_is_stored_cleaned(
    hub: Hub, clock: FixedClock
) -> None:
    someone = Inbound(
        Address(Platform.TEAMS, "tenant", "team-channel", "aad-1"),
        "",
        OpenedInput(),
        display_name="Eve\x00 \u202eAdmin\n",
    )
    async with hub.database.transaction() as session:
        person = await resolve_actor(session, someone, clock.now())
    assert person.name == "Eve Admin"
