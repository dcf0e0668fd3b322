"""Every form and every notice action, completed through the turn loop on SQLite and PostgreSQL.

Each scenario gets a record into the state its action needs the way people get it there (a
report, a request and the data owner's answers, the morning's nudges), then one person starts
the action as a person does: typing ("update an action"), pressing a button they were offered
on a notice, or typing the button's label and the reference ("refer CN-2026-0001"). Every
question is answered from a small table of valid answers by field kind, with a few answers that
must be specific, and the summary is confirmed. Then what was committed is checked: the record,
its newest history row, one audit row by that person, the outbox rows written and the notices
rewritten.

`test_every_form_and_every_action_has_a_scenario` keeps the list complete: a form or an action
that no scenario completes fails the suite by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import REGISTRY
from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.core.ports import Attempt, Delivered, Recipient, Replacement
from bot.core.unit import UnitOfWork
from bot.outbox.dispatcher import Dispatcher
from bot.recommendations import nudges
from dialogs.form import FieldKind
from dialogs.messages import (
    ActionInput,
    Ask,
    ChoiceInput,
    Completed,
    Input,
    Notice,
    Summary,
    TextInput,
)
from dialogs.plain import as_text
from storage.models import (
    AuditEntry,
    Base,
    Challenge,
    Concern,
    ConcernEvent,
    DialogSession,
    InformationRequest,
    OutboxMessage,
    Recommendation,
    RecommendationUpdate,
    RequestDecision,
    RequestEvent,
    TensionArea,
    TriggerEvent,
)
from storage.models import Person as PersonRow
from tests.conftest import Person

ALEX = "alex@example.org"  # staff, Community Safety Team: reports and requests
PRIYA = "priya@example.org"  # Prevent / CST manager
SAM = "sam@example.org"  # Prevent / CST manager
JORDAN = "jordan@example.org"  # City Police liaison officer (data owner)
MORGAN = "morgan@example.org"  # Adult Social Care liaison officer
LEE = "lee@example.org"  # Street Enforcement liaison officer
ROWAN = "rowan@example.org"  # City Police's other liaison officer (data owner), by email
SASHA = "sasha@example.org"  # the street-cleansing contractor's contract manager, by email
DANA = "dana@example.org"  # City Police challenge reviewer
FRANKIE = "frankie@example.org"  # City Police data protection officer
DREW = "drew@example.org"  # owns VUL-18 (in progress, overdue) and DV-01
KIM = "kim@example.org"  # owns DV-05 and DV-10
PAT = "pat@example.org"  # owns DV-02
JAMIE = "jamie@example.org"  # partnership coordinator
AVERY = "avery@example.org"  # Community Safety Team authoriser (City Police requires one)
NEWCOMER = "newcomer@example.org"  # not in the directory

STEP_GAP = timedelta(minutes=5)  # people do not all act in the same second
MAX_TURNS = 40


# What people do ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """A notice's button; `reference` '' means the record the scenario is about."""

    action: str
    reference: str = ""


@dataclass(frozen=True)
class Step:
    """One person starts something (typed text or a button) and answers until it is done.

    `answers` are this step's own answers by field name, used before the table's.
    """

    who: str
    start: str | Press
    answers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Later:
    """Time passes before the next step."""

    hours: int


@dataclass(frozen=True)
class Sweep:
    """The scheduler runs a sweep (the morning's nudges)."""

    job: Callable[[UnitOfWork], Awaitable[int]]


Given = Step | Later | Sweep


# What must be true after ------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """The id of the person with this email, for *_id columns."""

    email: str


@dataclass(frozen=True)
class InDays:
    """The date this many days after the scenario's first day."""

    days: int


class _Set:
    """Any value but None or empty."""

    def __repr__(self) -> str:
        return "SET"


SET = _Set()
Expected = object


@dataclass(frozen=True)
class Newest:
    """The record's newest row of `model` (a decision, a challenge) has these values."""

    model: type[Base]
    values: Mapping[str, Expected]


@dataclass(frozen=True)
class Scenario:
    """One form or action completed from its start to a committed record.

    `given` gets the record into the state the action needs; `act` is who acts and how they
    start. Afterwards `form` was submitted (none for an action that acts at once), the record
    has `record`'s values, its newest history row is `history` by the actor, exactly one new
    audit row is `audited` (by the actor, about the record), and, with every earlier notice
    delivered before the step, the new messages are `told` and the notices brought up to date
    in place `refreshed`, as (kind, recipient) pairs.

    `label` is the button's label where it differs from the action's name: typed with the
    reference ("challenge the decision IR-...") it is an action name of its own.
    """

    name: str
    act: Step
    audited: str
    given: tuple[Given, ...] = ()
    form: str = ""
    record: Mapping[str, Expected] = field(default_factory=dict)
    history: str = ""
    also: tuple[Newest, ...] = ()
    told: tuple[tuple[str, str], ...] = ()
    refreshed: tuple[tuple[str, str], ...] = ()
    on_actor: bool = False  # the record is the acting person (their organisation)
    label: str = ""
    short: str = ""  # a short word typed with the reference ("uphold IR-...") names it too

    @property
    def action(self) -> str:
        return self.act.start.action if isinstance(self.act.start, Press) else ""

    @property
    def label_action(self) -> str:
        prefix = self.action.split(".", 1)[0]
        return f"{prefix}.{'_'.join(self.label.lower().split())}" if self.label else ""

    @property
    def short_action(self) -> str:
        return f"{self.action.split('.', 1)[0]}.{self.short}" if self.short else ""

    @property
    def ways(self) -> tuple[str, ...]:
        """How a person can start it: with words ("update an action"), or by pressing the
        button, typing the action and the reference, or typing the button's label and it."""
        if not self.action:
            return ("words",)
        typed = ("typed",) if typeable(self.action) else ()
        label = ("label",) if self.label else ()
        short = ("short",) if self.short else ()
        return ("pressed", *typed, *label, *short)

    def words(self, way: str) -> str:
        """What is typed before the reference for `way`: the button's label or the short word."""
        return self.short if way == "short" else self.label


def typeable(action: str) -> bool:
    """Actions on records whose references can be typed (IR-..., CN-...) have a typed form."""
    return action.split(".", 1)[0] in REGISTRY.action_prefixes.values()


# Answers ----------------------------------------------------------------------------------

Answer = str | Callable[["World"], str]

ANSWERS: Mapping[tuple[str, str], Answer] = {
    # The partner whose liaison officer is in the sample, another concern's reference, and a
    # register reference that is free.
    ("info_request", "partner"): "City Police",
    ("concern", "threats"): "none",  # the first option, a threat, would make it P1
    ("concern_duplicate", "original"): lambda world: world.created[0],
    ("recommendation_add", "reference"): "VUL-34",
}
"""Answers to one field of one form that must be specific; the rest come from `answer_by_kind`."""


def answer_by_kind(world: World, ask: Ask) -> Input:
    """A valid answer to any question: the first option offered, no to yes/no, a date ahead."""
    spec = REGISTRY.forms[ask.form_id].field(ask.field)
    assert spec is not None, f"{ask.form_id} asks for {ask.field}, which it does not define"
    match spec.kind:
        case FieldKind.YES_NO | FieldKind.YES_NO_UNSURE:
            return TextInput("no")
        case FieldKind.CHOICE | FieldKind.MULTI:
            return ChoiceInput(ask.field, ask.options[0].value)
        case FieldKind.TEXT if ask.options:  # a suggestion is offered: use it
            return ChoiceInput(ask.field, ask.options[0].value)
        case FieldKind.TEXT:
            return TextInput(f"{spec.label} (test)")
        case FieldKind.DATE:
            day = world.today if spec.not_future else world.today + timedelta(days=28)
            return TextInput(day.isoformat())
        case FieldKind.DATETIME:
            return TextInput("2 hours ago")
        case FieldKind.LOCATION:
            return TextInput("Cheapside")
        case FieldKind.NUMBER:
            return TextInput(str(spec.min_value or 1))
        case FieldKind.ATTACHMENT if not spec.required:
            return TextInput("skip")
    raise AssertionError(f"No answer in the table for {ask.form_id}.{ask.field} ({spec.kind})")


def said(transcript: list[object]) -> str:
    """The end of an exchange as the terminal shows it, for failure messages."""
    return "\n".join(as_text(item) for item in transcript[-3:])  # type: ignore[arg-type]


# The world a scenario plays in ------------------------------------------------------------


class World:
    """The sample hub, its people, what each was shown, and the records the steps created."""

    def __init__(self, hub: Hub, clock: FixedClock) -> None:
        self.hub = hub
        self.clock = clock
        self.today = clock.now().date()
        self.people: dict[str, Person] = {}
        self.shown: dict[str, list[object]] = {}
        self.created: list[str] = []  # references of the records created, oldest first

    @property
    def record(self) -> str:
        assert self.created, "this step needs a record, but none was created before it"
        return self.created[-1]

    def reference(self, press: Press) -> str:
        return press.reference or self.record

    async def given(self, given: Given) -> None:
        if isinstance(given, Later):
            self.clock.advance(hours=given.hours)
        elif isinstance(given, Sweep):
            await self.hub.run(given.job)
        else:
            await self.play(given)

    async def play(self, step: Step, way: str = "pressed", label: str = "") -> list[object]:
        """One person's step, started `way`, answered to the end: the replies, in order."""
        self.clock.advance(seconds=STEP_GAP.total_seconds())
        who = self.people.setdefault(step.who, Person(self.hub, step.who))
        first: Input
        if isinstance(step.start, str):
            first = TextInput(step.start)
        elif way in ("typed", "label", "short"):
            words = label if way in ("label", "short") else step.start.action.split(".", 1)[1]
            first = TextInput(f"{words.replace('_', ' ').lower()} {self.reference(step.start)}")
        else:
            pressed = (step.start.action, self.reference(step.start))
            assert pressed in await self.buttons(step.who), (
                f"{step.who} was never offered {pressed}"
            )
            first = ActionInput(*pressed)
        transcript = list(await who.send(first))
        for _ in range(MAX_TURNS):
            last = who.replies[-1] if who.replies else None
            if isinstance(last, Ask):
                transcript += await who.send(self.answer(step, last))
            elif isinstance(last, Summary):
                transcript += await who.send("confirm")
            else:
                break
        else:
            raise AssertionError(f"{step} did not finish in {MAX_TURNS} turns:\n{said(transcript)}")
        self.shown.setdefault(step.who, []).extend(transcript)
        for item in transcript:
            if isinstance(item, Completed) and item.reference not in self.created:
                self.created.append(item.reference)
        return transcript

    def answer(self, step: Step, ask: Ask) -> Input:
        assert not ask.error, f"{ask.form_id}.{ask.field} refused the answer given: {ask.error}"
        chosen = step.answers.get(ask.field) or ANSWERS.get((ask.form_id, ask.field))
        if chosen is None:
            return answer_by_kind(self, ask)
        return TextInput(chosen(self) if callable(chosen) else chosen)

    async def buttons(self, email: str) -> set[tuple[str, str]]:
        """The (action, reference) buttons this person has now: on their notices in the outbox
        (as last rewritten) and on notices shown in their chat."""
        shown = [item for item in self.shown.get(email, []) if isinstance(item, Notice)]
        found = {(a.action, a.reference) for notice in shown for a in notice.actions}
        async with self.hub.database.transaction() as session:
            payloads = await session.scalars(
                select(OutboxMessage.payload)
                .join(PersonRow, PersonRow.id == OutboxMessage.recipient_id)
                .where(PersonRow.email == email)
            )
            for payload in payloads:
                found |= {(a["action"], a["reference"]) for a in payload.get("actions", [])}
        return found

    async def resolve(self, session: AsyncSession, value: Expected) -> Expected:
        """A literal, or the person's id (Who) or the date (InDays) it stands for."""
        if isinstance(value, Who):
            return await session.scalar(select(PersonRow.id).where(PersonRow.email == value.email))
        if isinstance(value, InDays):
            return self.today + timedelta(days=value.days)
        return value


# Reading what was committed ---------------------------------------------------------------


@dataclass
class Inbox:
    """Every chat, as a deliverer: posts whatever the dispatcher sends, so earlier notices are
    in people's hands (delivered, with a message id) before the step under test."""

    platform: str = "slack"
    sent: int = 0

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        self.sent += 1
        return Delivered(f"m{self.sent}", recipient.email or "channel")

    async def replace(self, target: Replacement, notice: Notice) -> None:
        return None


async def deliver_everything(hub: Hub, clock: FixedClock) -> None:
    """Deliver the outbox as the channels would: earlier notices are read before anyone acts."""
    dispatcher = Dispatcher(hub.database, clock, [Inbox()], worker="inbox")
    await dispatcher.drain()


REPLACING = "replace:"
"""The dedupe-key prefix of the rows that update a delivered notice in place."""


def _kind(kind: str, dedupe_key: str) -> str:
    """A notice's own kind: a replacement row's kind names what it replaces (`X_update`), and a
    retired copy (`X_retired`) is still a copy of X that was brought up to date."""
    if dedupe_key.startswith(REPLACING):
        kind = kind.removesuffix("_update")
    return kind.removesuffix("_retired")


@dataclass(frozen=True)
class Snapshot:
    """The outbox (each row's kind, recipient, payload and dedupe key, by id) and the last
    audit and dialog-session ids at one moment."""

    outbox: Mapping[int, tuple[str, str, Any, str]]
    last_audit: int
    last_session: int

    @classmethod
    async def take(cls, hub: Hub) -> Snapshot:
        async with hub.database.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage, PersonRow.email).outerjoin(
                    PersonRow, PersonRow.id == OutboxMessage.recipient_id
                )
            )
            outbox = {
                row.id: (row.kind, email or f"#{row.channel}", row.payload, row.dedupe_key)
                for row, email in rows.all()
            }
            last_audit = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
            last_session = await session.scalar(
                select(DialogSession.id).order_by(DialogSession.id.desc())
            )
        return cls(outbox, last_audit or 0, last_session or 0)

    def told_since(self, before: Snapshot) -> list[tuple[str, str]]:
        """New messages, as (kind, recipient)."""
        return sorted(
            (kind, to)
            for id_, (kind, to, _p, key) in self.outbox.items()
            if id_ not in before.outbox and not key.startswith(REPLACING)
        )

    def refreshed_since(self, before: Snapshot) -> list[tuple[str, str]]:
        """Notices brought up to date in place (a delivered copy replaced, or a waiting one
        rewritten), as (kind, recipient)."""
        replaced = {
            (_kind(kind, key), to)
            for id_, (kind, to, _p, key) in self.outbox.items()
            if id_ not in before.outbox and key.startswith(REPLACING)
        }
        rewritten = {
            (_kind(kind, key), to)
            for id_, (kind, to, payload, key) in self.outbox.items()
            if id_ in before.outbox and before.outbox[id_][:3] != (kind, to, payload)
        }
        return sorted(replaced | rewritten)


HISTORY: dict[type[Base], tuple[type[Base], str, str, str]] = {
    # record: (its history rows, their foreign key, what happened, who did it)
    Concern: (ConcernEvent, "concern_id", "kind", "actor_id"),
    InformationRequest: (RequestEvent, "request_id", "to_status", "actor_id"),
    Recommendation: (RecommendationUpdate, "recommendation_id", "kind", "author_id"),
}


def record_query(reference: str) -> Any:
    """The row a reference names: CN- a concern, IR- a request, TA-/TE- a tension period or a
    trigger event (by id), anything else a recommendation."""
    prefix, _, rest = reference.partition("-")
    if prefix == "CN":
        return select(Concern).where(Concern.reference == reference)
    if prefix == "IR":
        return select(InformationRequest).where(InformationRequest.reference == reference)
    if prefix == "TA":
        return select(TensionArea).where(TensionArea.id == int(rest))
    if prefix == "TE":
        return select(TriggerEvent).where(TriggerEvent.id == int(rest))
    return select(Recommendation).where(Recommendation.reference == reference)


async def newest(session: AsyncSession, model: type[Base], key: str, owner_id: int) -> Any:
    return await session.scalar(
        select(model).where(getattr(model, key) == owner_id).order_by(model.id.desc()).limit(1)
    )


async def check_values(
    world: World, session: AsyncSession, row: Any, wanted: Mapping[str, Expected], what: str
) -> None:
    for column, expected in wanted.items():
        value = getattr(row, column)
        if expected is SET:
            assert value not in (None, "", []), f"{what}.{column} is not set"
        else:
            resolved = await world.resolve(session, expected)
            assert value == resolved, f"{what}.{column} is {value!r}, expected {resolved!r}"


# The states records are brought to ---------------------------------------------------------

REPORT = "report racist graffiti on the wall on Cheapside"
REPORTED = (Step(ALEX, REPORT),)  # a P2 concern: both on-duty managers are alerted
ALERTS = (("concern_alert", PRIYA), ("concern_alert", SAM))

REMOVAL_ASKED = (*REPORTED, Step(PRIYA, Press("concern.request_removal")))  # of Street Enforcement
TO_LEE = ("removal_request", LEE)

REQUESTED = (Step(ALEX, "request information"),)  # to City Police: Avery must authorise it
SUBMITTED = (*REQUESTED, Step(AVERY, Press("request.authorise")))  # then Jordan is told
ACKNOWLEDGED = (*SUBMITTED, Step(JORDAN, Press("request.acknowledge")))
ASKED = (*ACKNOWLEDGED, Step(JORDAN, Press("request.ask_more_info")))
APPROVED = (*ACKNOWLEDGED, Step(JORDAN, Press("request.approve")))
FULFILLED = (*APPROVED, Step(JORDAN, Press("request.fulfil")))
DECLINED = (*ACKNOWLEDGED, Step(JORDAN, Press("request.decline")))
CHALLENGED = (*DECLINED, Step(ALEX, Press("request.challenge")))
REJECTED = (*CHALLENGED, Step(DANA, Press("request.reject_challenge")))
UPHELD = (*CHALLENGED, Step(DANA, Press("request.uphold_challenge")))
TO_OWNERS = (("information_request", JORDAN), ("information_request", ROWAN))
"""Each copy of the notice City Police's two liaison officers are sent."""
TO_HOLDER = ("information_request", JORDAN)
"""The liaison officer who took the request on (acknowledged it): only they hear what follows."""
TO_REQUESTER = ("request_update", ALEX)
TO_REVIEWER = ("request_challenge", DANA)
TO_AUTHORISER = ("request_authorisation", AVERY)

NUDGED = (Sweep(nudges.sweep),)  # the morning's nudges: Drew's has VUL-18's buttons
DREWS_NUDGE = ("recommendation_nudge", DREW)
ASKED_FOR_TIME = (*NUDGED, Step(DREW, Press("recommendation.extension", "VUL-18")))
MARKED_DONE = (*NUDGED, Step(DREW, Press("recommendation.done", "VUL-18")))
NOT_DREWS = (*NUDGED, Step(DREW, Press("recommendation.not_mine", "VUL-18")))
TO_DREW = ("recommendation_decision", DREW)


def concern_action(
    action: str, audited: str, history: str, *, given: tuple[Given, ...] = REPORTED, **more: Any
) -> Scenario:
    """Priya acts on the alert about Alex's report; every copy of the alert is brought up to date."""
    more.setdefault("refreshed", ALERTS)
    return Scenario(
        action,
        Step(PRIYA, Press(action), more.pop("answers", {})),
        audited,
        given,
        history=history,
        **more,
    )


def request_action(
    action: str, who: str, given: tuple[Given, ...], status: str, **more: Any
) -> Scenario:
    """A step of the request's life cycle: the request moves to `status`, audited as the step."""
    return Scenario(
        more.pop("name", action),
        Step(who, Press(action)),
        more.pop("audited", action),
        given,
        record={"status": status, **more.pop("record", {})},
        history=status,
        **more,
    )


def owner_update(action: str, status: str, **more: Any) -> Scenario:
    """Drew answers the morning's nudge about VUL-18; the nudge loses that item's buttons."""
    return Scenario(
        action,
        Step(DREW, Press(action, "VUL-18")),
        action,
        NUDGED,
        form="recommendation_update",
        record={"status": status, **more.pop("record", {})},
        history=action.split(".")[1],
        refreshed=(DREWS_NUDGE,),
        **more,
    )


SCENARIOS: tuple[Scenario, ...] = (
    # Forms people start by typing.
    Scenario(
        "concern",
        Step(ALEX, REPORT),
        "concern.reported",
        form="concern",
        record={"status": "new", "priority": "P2", "category": "hate_graffiti"},
        history="reported",
        told=ALERTS,
    ),
    Scenario(
        "organisation",
        Step(NEWCOMER, REPORT),  # asked once, first; then the report they came to make
        "person.organisation",
        form="organisation",
        record={"partner_id": SET, "organisation_asked": True, "in_directory": False},
        told=ALERTS,
        on_actor=True,
    ),
    Scenario(
        "info_request",
        Step(ALEX, "request information"),
        "request.submitted",
        form="info_request",
        record={
            "status": "awaiting_authorisation",
            "requester_id": Who(ALEX),
            "authoriser_id": Who(AVERY),
        },
        history="awaiting_authorisation",
        told=(TO_AUTHORISER,),
    ),
    Scenario(
        "tension_area",
        Step(PRIYA, "mark elevated tension"),
        "tension.marked",
        form="tension_area",
        record={"area_key": "cheapside", "created_by_id": Who(PRIYA)},
    ),
    Scenario(
        "trigger_event",
        Step(PRIYA, "record a trigger event"),
        "trigger.recorded",
        form="trigger_event",
        record={"created_by_id": Who(PRIYA)},
    ),
    Scenario(
        "recommendation_update",
        Step(DREW, "update an action"),
        "recommendation.progress",
        form="recommendation_update",
        record={"status": "in_progress", "last_update_at": SET},
        history="progress",
    ),
    Scenario(
        "recommendation_add",
        Step(JAMIE, "add a recommendation", {"owner": "Pat Homes"}),
        "recommendation.added",
        form="recommendation_add",
        record={"status": "not_started", "owner_id": Who(PAT), "due_date": InDays(28)},
        history="added",
        told=(("recommendation_nudge", PAT),),
    ),
    Scenario(
        "recommendation_manage-due_date",
        Step(JAMIE, "change DV-01", {"change": "due_date"}),
        "recommendation.due_date",
        form="recommendation_manage",
        record={"due_date": InDays(28), "due_date_changes": 1},
        history="due_date",
        told=(TO_DREW,),
    ),
    Scenario(
        "recommendation_manage-rag",
        Step(JAMIE, "rag DV-02"),
        "recommendation.rag",
        form="recommendation_manage",
        record={"rag_override": "red", "rag_override_reason": SET},
        history="rag",
    ),
    Scenario(
        "recommendation_manage-withdraw",
        Step(JAMIE, "withdraw DV-05"),
        "recommendation.withdrawn",
        form="recommendation_manage",
        record={"status": "withdrawn"},
        history="withdrawn",
        told=(("recommendation_decision", KIM),),
    ),
    Scenario(
        "recommendation_manage-reassign",
        Step(JAMIE, "reassign DV-10", {"new_owner": "Pat Homes"}),
        "recommendation.reassigned",
        form="recommendation_manage",
        record={"owner_id": Who(PAT)},
        history="reassigned",
        told=(("recommendation_decision", KIM), ("recommendation_nudge", PAT)),
    ),
    # A Prevent manager's buttons on an alert.
    concern_action(
        "concern.acknowledge",
        "concern.acknowledged",
        "acknowledged",
        record={"status": "acknowledged", "acknowledged_at": SET},
        told=(("concern_status", ALEX),),
    ),
    concern_action(
        "concern.assign",
        "concern.assigned",
        "assigned",
        form="concern_assign",
        answers={"assignee": "Sam Example"},
        record={"status": "acknowledged", "assigned_to_id": Who(SAM)},
        told=(("concern_assigned", SAM), ("concern_status", ALEX)),
    ),
    concern_action(
        "concern.refer",
        "concern.referred",
        "referred",
        form="concern_refer",
        record={"status": "acknowledged"},
        told=(("concern_status", ALEX),),
    ),
    concern_action(
        "concern.request_removal",
        "concern.removal_requested",
        "removal_requested",
        form="concern_removal",
        record={"status": "acknowledged", "removal_due_at": SET},
        told=(("concern_status", ALEX), ("removal_request", LEE)),
    ),
    concern_action(
        "concern.change_priority",
        "concern.priority_changed",
        "priority_changed",
        form="concern_priority",
        record={"priority": "P0", "status": "new"},
    ),
    concern_action(
        "concern.duplicate",
        "concern.duplicate",
        "duplicate",
        given=(*REPORTED, Later(hours=1), *REPORTED),  # the same wall, an hour later
        form="concern_duplicate",
        record={"status": "duplicate", "duplicate_of": "CN-2026-0001", "closed_at": SET},
        told=(("concern_status", ALEX),),
    ),
    concern_action(
        "concern.close",
        "concern.closed",
        "closed",
        form="concern_close",
        record={"status": "closed", "outcome": SET, "closed_at": SET},
        told=(("concern_status", ALEX),),
    ),
    concern_action(
        "concern.ask",
        "concern.reporter_asked",
        "reporter_asked",
        form="concern_ask",
        record={"status": "new"},
        told=(("concern_question", ALEX),),  # in Alex's own chat, with the Answer button
    ),
    # Alex answers the manager's question about their report.
    Scenario(
        "concern.answer",
        Step(ALEX, Press("concern.answer")),
        "concern.reporter_answered",
        (*REPORTED, Step(PRIYA, Press("concern.ask"))),
        form="concern_answer",
        history="reporter_answered",
        told=ALERTS,  # the managers (Priya asked) hear the answer, without Alex's name
        refreshed=(*ALERTS, ("concern_question", ALEX)),
    ),
    # Street Enforcement's liaison officer answers the removal request.
    Scenario(
        "concern.removed",
        Step(LEE, Press("concern.removed")),
        "concern.removed",
        REMOVAL_ASKED,
        form="concern_removed",
        record={"status": "acknowledged", "removal_status": "removed", "removed_at": SET},
        history="removed",
        told=(("concern_status", ALEX),),
        refreshed=(*ALERTS, TO_LEE),
    ),
    Scenario(
        "concern.cannot_remove",
        Step(LEE, Press("concern.cannot_remove")),
        "concern.cannot_remove",
        REMOVAL_ASKED,
        form="concern_cannot_remove",
        record={"removal_status": "cannot_remove", "removal_note": SET},
        history="cannot_remove",
        told=ALERTS,  # the managers, with the reason and the alert's buttons
        refreshed=(*ALERTS, TO_LEE),
    ),
    Scenario(
        "concern.not_ours",
        Step(LEE, Press("concern.not_ours")),
        "concern.removal_passed_on",
        REMOVAL_ASKED,
        form="concern_not_ours",
        record={"removal_status": "requested", "removal_by": "cleansing"},
        history="removal_passed_on",
        told=(("removal_request", SASHA),),  # the contractor's manager is asked in the hub
        refreshed=(*ALERTS, TO_LEE),  # the alert's history shows it
    ),
    # The manager ends a period of elevated tension from the list of areas.
    Scenario(
        "tension.end",
        Step(PRIYA, Press("tension.end")),
        "tension.ended",
        (Step(PRIYA, "mark elevated tension"), Step(PRIYA, "tension areas")),
        record={"ends_at": SET},
    ),
    # An information request's life cycle: the data owner, the requester, the reviewers.
    request_action(
        "request.authorise",
        AVERY,
        REQUESTED,
        "submitted",
        record={"authorised_at": SET, "authoriser_id": Who(AVERY)},
        told=(*TO_OWNERS, TO_REQUESTER),
        refreshed=(("request_authorisation", AVERY),),  # its last, button-free copy
    ),
    request_action(
        "request.refuse",
        AVERY,
        REQUESTED,
        "not_authorised",
        form="request_refuse_authorisation",
        record={"authorised_at": None, "closed_at": SET},
        told=(TO_REQUESTER,),
        refreshed=(TO_AUTHORISER,),
    ),
    request_action(
        "request.acknowledge",
        JORDAN,
        SUBMITTED,
        "acknowledged",
        record={"holder_id": Who(JORDAN)},
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),  # Alex heard of the authorisation
    ),
    request_action(
        "request.ask_more_info",
        JORDAN,
        ACKNOWLEDGED,
        "more_info_needed",
        label="Ask for more information",
        form="request_more_info",
        record={"more_info_question": SET, "paused_at": SET},
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.answer",
        ALEX,
        ASKED,
        "under_review",
        form="request_answer",
        record={"paused_at": None, "more_info_question": ""},
        told=(TO_HOLDER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.approve",
        JORDAN,
        ACKNOWLEDGED,
        "approved",
        form="request_decision",
        also=(Newest(RequestDecision, {"decision": "approved", "decided_by_id": Who(JORDAN)}),),
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.approve_in_part",
        JORDAN,
        ACKNOWLEDGED,
        "partially_approved",
        form="request_decision",
        also=(Newest(RequestDecision, {"decision": "partially_approved", "withheld": SET}),),
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.decline",
        JORDAN,
        ACKNOWLEDGED,
        "declined",
        form="request_decline",
        also=(Newest(RequestDecision, {"decision": "declined", "decline_reason": SET}),),
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.redirect",
        JORDAN,
        ACKNOWLEDGED,
        "submitted",
        label="Redirect to another owner",
        form="request_redirect",
        record={"holder_id": None},
        told=(("information_request", MORGAN), TO_REQUESTER),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.challenge",
        ALEX,
        DECLINED,
        "challenged",
        label="Challenge the decision",
        form="request_challenge",
        also=(Newest(Challenge, {"level": "owner_reviewer", "raised_by_id": Who(ALEX)}),),
        told=(TO_HOLDER, TO_REVIEWER),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.uphold_challenge",
        DANA,
        CHALLENGED,
        "challenge_upheld",
        label="Uphold the challenge",
        short="uphold",
        form="request_review",
        also=(Newest(Challenge, {"outcome": "upheld", "decided_by_id": Who(DANA)}),),
        told=(TO_HOLDER, TO_REQUESTER),
        refreshed=(*TO_OWNERS, TO_REVIEWER, TO_REQUESTER),
    ),
    request_action(
        "request.reject_challenge",
        DANA,
        CHALLENGED,
        "challenge_rejected",
        label="Reject the challenge",
        short="reject",
        form="request_review",
        also=(Newest(Challenge, {"outcome": "rejected", "decided_by_id": Who(DANA)}),),
        told=(TO_HOLDER, TO_REQUESTER),
        refreshed=(*TO_OWNERS, TO_REVIEWER, TO_REQUESTER),
    ),
    request_action(
        "request.escalate_challenge",
        ALEX,
        REJECTED,
        "challenged",
        label="Take the challenge further",
        form="request_challenge",
        also=(Newest(Challenge, {"level": "dpo", "raised_by_id": Who(ALEX)}),),
        told=(TO_HOLDER, ("request_challenge", FRANKIE)),
        refreshed=(*TO_OWNERS, TO_REVIEWER, TO_REQUESTER),
    ),
    # After an upheld challenge the data owner records a new decision, superseding the first.
    request_action(
        "request.approve_in_part",
        JORDAN,
        UPHELD,
        "partially_approved",
        name="request.approve_in_part-after-upheld",
        form="request_decision",
        also=(Newest(RequestDecision, {"decision": "partially_approved", "supersedes_id": SET}),),
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REVIEWER, TO_REQUESTER),
    ),
    request_action(
        "request.fulfil",
        JORDAN,
        APPROVED,
        "fulfilled",
        label="Mark fulfilled",
        form="request_fulfil",
        also=(
            Newest(
                RequestDecision,
                {
                    "sent_description": SET,
                    "sent_route": "Secure email",
                    "sent_on": InDays(0),
                    "fulfilled_by_id": Who(JORDAN),
                },
            ),
        ),
        told=(TO_REQUESTER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.withdraw",
        ALEX,
        ACKNOWLEDGED,
        "withdrawn",
        form="request_withdraw",
        record={"closed_at": SET},
        told=(TO_HOLDER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.close",
        ALEX,
        FULFILLED,
        "closed",
        record={"closed_at": SET},
        told=(TO_HOLDER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    request_action(
        "request.close",
        ALEX,
        DECLINED,
        "closed",
        name="request.close-declined",
        label="Accept and close",
        record={"closed_at": SET},
        told=(TO_HOLDER,),
        refreshed=(*TO_OWNERS, TO_REQUESTER),
    ),
    # An owner's buttons on a nudge.
    owner_update("recommendation.progress", "in_progress"),
    owner_update(
        "recommendation.done",
        "completed_pending_verification",
        told=(("recommendation_done", JAMIE),),
    ),
    owner_update("recommendation.blocked", "blocked", told=(("recommendation_blocked", JAMIE),)),
    owner_update(
        "recommendation.not_mine",
        "in_progress",
        record={"owner_id": None},
        told=(("recommendation_not_mine", JAMIE),),
    ),
    owner_update(
        "recommendation.extension",
        "extension_requested",
        record={"requested_due_date": InDays(28)},
        told=(("recommendation_extension", JAMIE),),
    ),
    Scenario(
        "recommendation.snooze",
        Step(DREW, Press("recommendation.snooze", "VUL-18")),
        "recommendation.snooze",
        NUDGED,
        record={"snoozes": 1, "snoozed_until": SET},
        history="snooze",
        refreshed=(DREWS_NUDGE,),
    ),
    # A coordinator's buttons on what owners asked for.
    Scenario(
        "recommendation.approve_extension",
        Step(JAMIE, Press("recommendation.approve_extension", "VUL-18")),
        "recommendation.extension_approved",
        ASKED_FOR_TIME,
        record={"status": "in_progress", "due_date": InDays(28), "requested_due_date": None},
        history="extension_approved",
        told=(TO_DREW,),
        refreshed=(("recommendation_extension", JAMIE),),
    ),
    Scenario(
        "recommendation.refuse_extension",
        Step(JAMIE, Press("recommendation.refuse_extension", "VUL-18")),
        "recommendation.extension_refused",
        ASKED_FOR_TIME,
        form="recommendation_manage",
        record={"status": "in_progress", "due_date": date(2026, 11, 13)},
        history="extension_refused",
        told=(TO_DREW,),
        refreshed=(("recommendation_extension", JAMIE),),
    ),
    Scenario(
        "recommendation.verify",
        Step(JAMIE, Press("recommendation.verify", "VUL-18")),
        "recommendation.verified",
        MARKED_DONE,
        record={"status": "closed_verified"},
        history="verified",
        told=(TO_DREW,),
        refreshed=(("recommendation_done", JAMIE),),
    ),
    Scenario(
        "recommendation.reopen",
        Step(JAMIE, Press("recommendation.reopen", "VUL-18")),
        "recommendation.reopened",
        MARKED_DONE,
        form="recommendation_manage",
        record={"status": "in_progress"},
        history="reopened",
        told=(TO_DREW,),
        refreshed=(("recommendation_done", JAMIE),),
    ),
    # A coordinator's Change button on an item's status: the change form, the item filled in.
    Scenario(
        "recommendation.change",
        Step(JAMIE, Press("recommendation.change", "DV-01"), {"change": "due_date"}),
        "recommendation.due_date",
        (Step(JAMIE, "status DV-01"),),
        form="recommendation_manage",
        record={"due_date": InDays(28), "due_date_changes": 1},
        history="due_date",
        told=(TO_DREW,),
    ),
    Scenario(
        "recommendation.reassign",
        Step(JAMIE, Press("recommendation.reassign", "VUL-18"), {"new_owner": "Pat Homes"}),
        "recommendation.reassigned",
        NOT_DREWS,
        form="recommendation_manage",
        record={"owner_id": Who(PAT)},
        history="reassigned",
        told=(("recommendation_nudge", PAT),),
        refreshed=(("recommendation_not_mine", JAMIE),),
    ),
)

CASES = [
    pytest.param(scenario, way, id=scenario.name if way == "words" else f"{scenario.name}-{way}")
    for scenario in SCENARIOS
    for way in scenario.ways
]


def test_every_form_and_every_action_has_a_scenario() -> None:
    forms = {s.form for s in SCENARIOS if s.form}
    actions = (
        {s.action for s in SCENARIOS if s.action}
        | {s.label_action for s in SCENARIOS if s.label}
        | {s.short_action for s in SCENARIOS if s.short}
    )
    assert not set(REGISTRY.forms) - forms, (
        f"No scenario completes the form(s) {sorted(set(REGISTRY.forms) - forms)}: add one to SCENARIOS "
        "in tests/conversation/test_every_form_and_action.py"
    )
    assert not set(REGISTRY.actions) - actions, (
        f"No scenario completes the action(s) {sorted(set(REGISTRY.actions) - actions)}: add one to "
        "SCENARIOS in tests/conversation/test_every_form_and_action.py (an action named after a "
        "button's label is covered by a scenario's `label`)"
    )
    assert forms == set(REGISTRY.forms), (
        f"Scenarios name forms that do not exist: {forms - set(REGISTRY.forms)}"
    )
    assert actions == set(REGISTRY.actions), (
        f"Scenarios name unknown actions: {actions - set(REGISTRY.actions)}"
    )
    typed = (
        {s.action for s in SCENARIOS if "typed" in s.ways}
        | {s.label_action for s in SCENARIOS if "label" in s.ways}
        | {s.short_action for s in SCENARIOS if "short" in s.ways}
    )
    assert typed == {a for a in REGISTRY.actions if typeable(a)}, (
        "every action that can be typed is"
    )


@pytest.mark.parametrize(("scenario", "way"), CASES)
async def test_completed_and_recorded(
    scenario: Scenario, way: str, sample_hub: Hub, clock: FixedClock
) -> None:
    world = World(sample_hub, clock)
    for given in scenario.given:
        await world.given(given)
    await deliver_everything(sample_hub, clock)
    before = await Snapshot.take(sample_hub)

    transcript = await world.play(scenario.act, way, scenario.words(way))

    after = await Snapshot.take(sample_hub)
    done = [item for item in transcript if isinstance(item, Completed)]
    if isinstance(scenario.act.start, Press):
        reference = world.reference(scenario.act.start)
    else:
        assert done, f"{scenario.name} recorded nothing:\n{said(transcript)}"
        reference = done[-1].reference
    async with sample_hub.database.transaction() as session:
        actor = await session.scalar(select(PersonRow).where(PersonRow.email == scenario.act.who))
        assert actor is not None
        sessions = list(
            await session.scalars(
                select(DialogSession)
                .where(DialogSession.person_id == actor.id, DialogSession.id > before.last_session)
                .order_by(DialogSession.id)
            )
        )
        assert not [s.form_id for s in sessions if s.active], "a conversation was left open"
        if scenario.form:
            outcome = [s.outcome for s in sessions if s.form_id == scenario.form]
            assert outcome == ["submit"], f"{scenario.form} was not submitted:\n{said(transcript)}"
        else:
            assert not sessions, f"{scenario.action} should act at once:\n{said(transcript)}"

        row = actor if scenario.on_actor else await session.scalar(record_query(reference))
        assert row is not None, f"there is no record {reference}:\n{said(transcript)}"
        await check_values(world, session, row, scenario.record, reference)
        if scenario.history:
            model, key, kind, by = HISTORY[type(row)]
            last = await newest(session, model, key, row.id)
            assert last is not None, f"{reference} has no history"
            assert (getattr(last, kind), getattr(last, by)) == (scenario.history, actor.id), (
                f"{reference}'s newest history row is {getattr(last, kind)!r}"
            )
        for also in scenario.also:
            model, key, *_ = HISTORY[type(row)]
            child = await newest(session, also.model, key, row.id)
            assert child is not None, f"{reference} has no {also.model.__name__}"
            await check_values(world, session, child, also.values, also.model.__name__)
        audited = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.id > before.last_audit).order_by(AuditEntry.id)
            )
        )

    actions = [entry.action for entry in audited]
    assert not [a for a in actions if a.endswith(".refused")], f"refused:\n{said(transcript)}"
    assert actions.count(scenario.audited) == 1, f"audited {actions}, not {scenario.audited}"
    (entry,) = [e for e in audited if e.action == scenario.audited]
    assert entry.record_reference == ("" if scenario.on_actor else reference)
    assert {e.actor for e in audited} == {scenario.act.who}, "someone else was audited"
    assert after.told_since(before) == sorted(scenario.told)
    assert after.refreshed_since(before) == sorted(scenario.refreshed)
