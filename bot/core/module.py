"""How a domain plugs in: one `DomainModule` per domain, composed once into a `Registry`.

A domain lists its forms, what confirming each does, its buttons, its run-time options, who may
start its forms, its sweeps, the rules that route typed text to it, its questions, its help
lines and how it answers `status REF`; the composition root includes each module once. A key
two domains both claim is refused at start-up rather than one silently shadowing the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.core.csv_import import CsvKind
from bot.core.intents import HELP, STATUS, Rule
from bot.core.ports import Headline
from bot.core.unit import ActionHandler, ServiceError, Submitter, UnitOfWork
from dialogs.form import FormDefinition
from dialogs.messages import JsonValue, Option, Outbound
from storage.models import Person

OptionsProvider = Callable[
    [UnitOfWork, str, Mapping[str, JsonValue], Person], Awaitable[dict[str, tuple[Option, ...]]]
]
"""The run-time option lists a form needs (unit of work, form id, answers so far, actor)."""

Answer = Callable[[UnitOfWork, Person, str], Awaitable[Outbound]]
"""Answers one of a domain's questions (unit of work, actor, argument: a reference, a place)."""

V = TypeVar("V")
ANY_PREFIX = "*"
"""The status key of a lookup that answers for every prefix no other lookup claims."""


def plain(answer: Callable[[UnitOfWork, Person], Awaitable[Outbound]]) -> Answer:
    """A question that takes no argument, as an `Answer`."""

    async def answering(uow: UnitOfWork, actor: Person, argument: str) -> Outbound:
        return await answer(uow, actor)

    return answering


@dataclass(frozen=True)
class StartGate:
    """Only people `allowed` may start the form; others are told `refusal`.

    Submitters check the actor's right again at confirm (roles change, buttons are forwarded);
    the gate spares someone answering every question of a form they can never submit.
    """

    allowed: Callable[[Person], bool]
    refusal: str


@dataclass(frozen=True)
class Sweep:
    """A scheduled sweep: `run` claims what is due in its own transaction every `every` ticks."""

    name: str
    run: Callable[[UnitOfWork], Awaitable[object]]
    every: int = 1


@dataclass(frozen=True)
class OpenItem:
    """One open record, in a line: its reference, what it is, and where it stands."""

    reference: str
    summary: str
    status: str


OpenItems = Callable[[UnitOfWork, Person], Awaitable[tuple[OpenItem, ...]]]
"""The actor's own open records of one kind, for a home screen."""


@dataclass(frozen=True)
class HelpLine:
    """A line of the help text: for everyone, or only for holders of one of `roles`."""

    text: str
    roles: tuple[str, ...] = ()

    def shown_to(self, actor: Person | None) -> bool:
        """Whether `actor` (None: someone holding no particular role) sees this line."""
        return not self.roles or (
            actor is not None and any(actor.has_role(role) for role in self.roles)
        )


@dataclass(frozen=True)
class StatusLookup:
    """Answers `status REF` for references starting with one of `prefixes`; with none, for
    every reference no other lookup claims (register items are named freely: VUL-18)."""

    answer: Answer
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prelude:
    """A form asked once, before the first form someone starts, when it is `due` for them.

    The hub starts it, keeps what the person asked for in its conversation (`then_text`, which
    marks it as a prelude: merging a stand-in into a known person drops it) and takes that up
    once it is done; `asked` notes on the person that it was asked, so it is never asked again.
    """

    form_id: str
    due: Callable[[Person], bool]
    asked: Callable[[Person], None]


HeadlineLookup = Callable[[UnitOfWork, str], Awaitable[Headline | None]]
"""What an email may say of a record (by reference), or None when there is no such record."""

EmailRefused = Callable[[UnitOfWork, int, str], Awaitable[None]]
"""A mail server refused a person's address for good (unit of work, person id, its reason)."""

RetentionRule = Callable[[UnitOfWork, bool], Awaitable[int]]
"""Anonymise or delete what the schedule says is kept too long (only count it unless told to
apply); how many rows."""


@dataclass(frozen=True)
class Start:
    """A button that starts one of a domain's forms from a home screen; `shortcut` names the
    platform shortcut or command word that opens it, `needs` a home-screen group the person
    must have open items in for it to be offered."""

    form_id: str
    label: str
    shortcut: str = ""
    needs: str = ""


@dataclass(frozen=True)
class DomainModule:
    """Everything one domain adds to the hub, registered once."""

    name: str
    forms: tuple[FormDefinition, ...] = ()
    submitters: Mapping[str, Submitter] = field(default_factory=dict)
    actions: Mapping[str, ActionHandler] = field(default_factory=dict)
    options: Mapping[str, OptionsProvider] = field(default_factory=dict)
    start_gates: Mapping[str, StartGate] = field(default_factory=dict)
    action_prefixes: Mapping[str, str] = field(default_factory=dict)
    """Reference prefix to action namespace: "approve IR-2026-0001" typed presses request.approve;
    ANY_PREFIX takes register items, whatever their prefix: "snooze VUL-18"."""
    sweeps: tuple[Sweep, ...] = ()
    intents: tuple[Rule, ...] = ()
    """How typed text outside a conversation routes to this domain's forms and questions."""
    queries: Mapping[str, Answer] = field(default_factory=dict)
    """The domain's own questions, by the name its intents ask them with."""
    help: tuple[HelpLine, ...] = ()
    """Lines for everyone say what one can start; lines for roles follow the lookups."""
    status: StatusLookup | None = None
    prelude: Prelude | None = None
    open_items: Mapping[str, OpenItems] = field(default_factory=dict)
    """The person's own open records for a home screen, by group (concerns, requests...)."""
    starts: tuple[Start, ...] = ()
    imports: tuple[CsvKind, ...] = ()
    """The kinds of CSV file the domain imports (recognised by their header)."""
    retention: Mapping[str, RetentionRule] = field(default_factory=dict)
    """The domain's part of the retention schedule, by what each rule does."""
    headlines: Mapping[str, HeadlineLookup] = field(default_factory=dict)
    """What an email may say of the domain's records, by reference prefix ("IR-")."""
    email_refused: EmailRefused | None = None
    """What happens when a mail server refuses a person's address for good (the directory's)."""


def _merged(name: str, parts: Iterable[tuple[str, Mapping[str, V]]]) -> dict[str, V]:
    merged: dict[str, V] = {}
    owners: dict[str, str] = {}
    for module, part in parts:
        for key, value in part.items():
            if key in merged:
                raise ValueError(f"{name} {key!r} is claimed by both {owners[key]} and {module}")
            merged[key] = value
            owners[key] = module
    return merged


def _status_keys(lookup: StatusLookup | None) -> dict[str, Answer]:
    if lookup is None:
        return {}
    return {prefix: lookup.answer for prefix in lookup.prefixes or (ANY_PREFIX,)}


@dataclass(frozen=True)
class Registry:
    """The domains' contributions composed: what the turn loop and the scheduler look up."""

    forms: Mapping[str, FormDefinition]
    submitters: Mapping[str, Submitter]
    actions: Mapping[str, ActionHandler]
    options: Mapping[str, OptionsProvider]
    start_gates: Mapping[str, StartGate]
    action_prefixes: Mapping[str, str]
    sweeps: tuple[Sweep, ...]
    intents: tuple[Rule, ...]
    """Every domain's routing rules, tier by tier, in module order within a tier."""
    queries: Mapping[str, Answer]
    help: tuple[HelpLine, ...]
    status: Mapping[str, Answer]
    """Reference prefix (or ANY_PREFIX) to the lookup that answers `status REF`."""
    prelude: Prelude | None
    open_items: Mapping[str, OpenItems]
    starts: tuple[Start, ...] = ()
    imports: tuple[CsvKind, ...] = ()
    retention: Mapping[str, RetentionRule] = field(default_factory=dict)
    headlines: Mapping[str, HeadlineLookup] = field(default_factory=dict)
    """Reference prefix ("IR-", or ANY_PREFIX for register items) to what an email may say of
    such a record."""
    email_refused: EmailRefused | None = None

    async def headline(self, uow: UnitOfWork, reference: str) -> Headline | None:
        """What an email may say of the record `reference`, or None (unknown, or no domain
        says anything of its kind)."""
        prefix = reference.split("-", 1)[0] + "-" if "-" in reference else ""
        lookup = self.headlines.get(prefix) or self.headlines.get(ANY_PREFIX)
        return await lookup(uow, reference) if lookup is not None else None

    @classmethod
    def compose(cls, modules: Sequence[DomainModule]) -> Registry:
        """One registry from `modules`; a form, action, sweep, question, status prefix or
        prelude claimed twice is refused."""
        _merged("sweep", ((m.name, {s.name: s for s in m.sweeps}) for m in modules))
        queries = _merged("query", ((m.name, m.queries) for m in modules))
        if generic := sorted({HELP, STATUS} & queries.keys()):
            raise ValueError(f"query {generic[0]!r} is the hub's own")
        preludes = _merged(
            "prelude", ((m.name, {"prelude": m.prelude} if m.prelude else {}) for m in modules)
        )
        refused = _merged(
            "email refusal",
            ((m.name, {"refused": m.email_refused} if m.email_refused else {}) for m in modules),
        )
        return cls(
            forms=_merged("form", ((m.name, {f.id: f for f in m.forms}) for m in modules)),
            submitters=_merged("submitter", ((m.name, m.submitters) for m in modules)),
            actions=_merged("action", ((m.name, m.actions) for m in modules)),
            options=_merged("options for", ((m.name, m.options) for m in modules)),
            start_gates=_merged("start gate", ((m.name, m.start_gates) for m in modules)),
            action_prefixes=_merged("prefix", ((m.name, m.action_prefixes) for m in modules)),
            sweeps=tuple(sweep for m in modules for sweep in m.sweeps),
            intents=tuple(
                sorted((rule for m in modules for rule in m.intents), key=lambda r: r.tier)
            ),
            queries=queries,
            help=tuple(line for m in modules for line in m.help),
            status=_merged("status of", ((m.name, _status_keys(m.status)) for m in modules)),
            prelude=preludes.get("prelude"),
            email_refused=refused.get("refused"),
            open_items=_merged("open items of", ((m.name, m.open_items) for m in modules)),
            starts=tuple(start for m in modules for start in m.starts),
            retention=_merged("retention rule", ((m.name, m.retention) for m in modules)),
            headlines=_merged("headline of", ((m.name, m.headlines) for m in modules)),
            imports=tuple(
                _merged(
                    "import", ((m.name, {k.name: k for k in m.imports}) for m in modules)
                ).values()
            ),
        )

    def shortcut(self, name: str) -> str:
        """The form the shortcut or command word `name` opens, or ""."""
        return next((s.form_id for s in self.starts if name and s.shortcut == name), "")

    async def submit(
        self,
        uow: UnitOfWork,
        actor: Person,
        form_id: str,
        answers: dict[str, JsonValue],
        platform: str,
    ) -> list[Outbound]:
        """Record a confirmed form and say what happened; ServiceError when it cannot be recorded."""
        submitter = self.submitters.get(form_id)
        if submitter is None:
            raise ServiceError("That form can no longer be submitted.")
        return await submitter(uow, actor, answers, platform)

    async def form_options(
        self, uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
    ) -> dict[str, tuple[Option, ...]]:
        """The dynamic option lists `form_id` needs, given the answers so far."""
        provider = self.options.get(form_id)
        return await provider(uow, form_id, answers, actor) if provider else {}

    async def refusal_to_start(self, uow: UnitOfWork, actor: Person, form_id: str) -> str:
        """Why `actor` may not start `form_id` (audited), or "" when they may."""
        gate = self.start_gates.get(form_id)
        if gate is None or gate.allowed(actor):
            return ""
        await uow.audit(actor, "action.refused", "", refused_action=form_id, reason=gate.refusal)
        return gate.refusal
