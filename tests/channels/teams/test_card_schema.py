"""Every card any flow sends is a valid Adaptive Card 1.5 that Teams accepts, and holds every
button the hub offered.

Cards are checked against the official schema (with the `msteams` property Teams adds at the
root), Teams' message size limit and the elements Teams renders. They come from every form of the
registry (a question card per field, the whole-form card, the summary), from every flow that
completes a form or an action (`SCENARIOS`, kept complete by its own test) with each reply and
each notice the outbox holds afterwards, and from the fixed cards. Generated hostile text must
still give valid cards.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match
from sqlalchemy import select

from bot.app import REGISTRY
from bot.channels.teams import cards
from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.core.ports import OutboxPayload
from dialogs import engine
from dialogs.engine import FormContext
from dialogs.form import FieldKind
from dialogs.messages import (
    Ask,
    Completed,
    Notice,
    NoticeAction,
    Option,
    Outbound,
    Say,
    Summary,
    SummaryRow,
)
from storage.models import OutboxMessage
from tests.channels.teams.conftest import walk
from tests.channels.teams.test_delivery import CONCERN, REQUEST, authorise
from tests.conftest import Person
from tests.conversation.test_every_form_and_action import (
    ALEX,
    DREW,
    JAMIE,
    JORDAN,
    PRIYA,
    SCENARIOS,
    Scenario,
    World,
)

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT.parent / "shared" / "schemas" / "adaptive-card-1.5.schema.json"
FORMS = REGISTRY.forms
TEAMS_MAX_BYTES = 28 * 1024  # Teams refuses a larger message
# What Teams renders of Adaptive Cards 1.5, less what the bot has no use for (Action.Execute
# needs Universal Actions; Media and Table are not used). Images come as data URIs (photos).
TEAMS_ELEMENTS = {
    "AdaptiveCard",
    "Image",
    "TextBlock",
    "RichTextBlock",
    "TextRun",
    "Container",
    "ColumnSet",
    "Column",
    "FactSet",
    "ActionSet",
    "Input.Text",
    "Input.Number",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Input.ChoiceSet",
    "Action.Submit",
    "Action.OpenUrl",
    "Action.ShowCard",
    "Action.ToggleVisibility",
}
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))
OPTIONS = tuple(Option(f"p{i}", f"Partner organisation {i}") for i in range(12))
DYNAMIC = {
    "partners": OPTIONS,
    "agreements": OPTIONS[:3],
    "my_recommendations": OPTIONS[:5],
    "organisations": OPTIONS,
}
ANSWERS = {
    FieldKind.TEXT: "Swastika sprayed on the wall\nin red",
    FieldKind.NUMBER: 3,
    FieldKind.DATE: "2026-11-20",
    FieldKind.DATETIME: "2026-11-23T08:30:00+00:00",
    FieldKind.YES_NO: "yes",
}


@pytest.fixture(scope="module")
def validator() -> Draft6Validator:
    if not SCHEMA.is_file():
        pytest.skip(f"the Adaptive Card schema is not at {SCHEMA} (the shared folder is absent)")
    schema = json.loads(SCHEMA.read_text())
    teams = copy.deepcopy(schema)
    teams["definitions"]["AdaptiveCard"]["properties"]["msteams"] = {"type": "object"}
    return Draft6Validator(teams)


def problems(validator: Any, card: cards.Card) -> list[str]:
    """Why Teams would refuse or misrender `card`: schema errors, size, unsupported elements."""
    found = [
        f"{list(e.absolute_path)}: {e.message[:200]}"
        for e in (best_match([error]) for error in validator.iter_errors(card))
        if e is not None
    ]
    size = len(json.dumps(card, ensure_ascii=False).encode())
    if size >= TEAMS_MAX_BYTES or size > cards.MAX_CARD_BYTES:
        found.append(f"{size} bytes")
    kinds = {str(e["type"]) for e in walk(card) if isinstance(e.get("type"), str)}
    found += [f"{kind} is not used in Teams" for kind in sorted(kinds - TEAMS_ELEMENTS)]
    return found


def offered_missing(item: Outbound, card: cards.Card) -> list[str]:
    """What `item` offered (notice buttons, question options) that `card` lacks."""
    data = [a["data"] for a in walk(card) if a.get("type") == "Action.Submit"]
    if isinstance(item, Notice):
        shown = {(d.get("action"), d.get("reference")) for d in data}
        return [a.label for a in item.actions if (a.action, a.reference) not in shown]
    if isinstance(item, Ask):
        shown = {d.get("value") for d in data} | {
            c["value"] for e in walk(card) for c in e.get("choices", [])
        }
        return [o.label for o in item.options if o.value not in shown]
    return []


def check(validator: Any, item: Outbound, name: str) -> None:
    (card,) = cards.reply_cards([item], FORMS)
    assert problems(validator, card) == [], name
    assert offered_missing(item, card) == [], name


def form_cards() -> list[tuple[str, Outbound | cards.Card]]:
    """A question per field, the whole-form card and the summary of every registry form."""
    made: list[tuple[str, Outbound | cards.Card]] = []
    ctx = FormContext(now=NOW, options=DYNAMIC)
    for form in FORMS.values():
        answers = {}
        for spec in form.fields:
            made.append((f"ask {form.id}.{spec.name}", engine.ask(form, spec, {}, ctx)))
            options = spec.choices(DYNAMIC)
            answers[spec.name] = options[0].value if options else ANSWERS.get(spec.kind, "x")
        made.append((f"summary {form.id}", engine.summarise(form, answers, ctx)))
        if cards.has_form_card(form):
            made.append((f"form {form.id}", cards.form_card(form)))
            errors = {spec.name: "Please give a street." for spec in cards.card_fields(form)}
            values = {spec.name: "2026-11-20" for spec in cards.card_fields(form)}
            made.append((f"form {form.id} refused", cards.form_card(form, values, errors)))
    return made


FORM_CARDS = form_cards()
FIXED = {
    "pointer": cards.pointer_card(),
    "team welcome": cards.team_welcome_card(),
    "no longer available": cards.say_card([cards.NO_LONGER_AVAILABLE]),
    "completed": cards.completed_card(Completed("CN-2026-0001", "We'll be in touch.")),
}


@pytest.mark.parametrize(("name", "made"), FORM_CARDS, ids=[name for name, _ in FORM_CARDS])
def test_every_form_card_is_valid(validator, name, made):
    if isinstance(made, dict):
        assert problems(validator, made) == []
    else:
        check(validator, made, name)


@pytest.mark.parametrize("name", sorted(FIXED))
def test_the_fixed_cards_are_valid(validator, name):
    assert problems(validator, FIXED[name]) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_every_card_of_every_flow_is_valid(
    validator, scenario: Scenario, sample_hub: Hub, clock: FixedClock
):
    world = World(sample_hub, clock)
    for step in scenario.given:
        await world.given(step)
    await world.play(scenario.act)
    shown = [item for items in world.shown.values() for item in items]
    async with sample_hub.database.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        notices = [(row.kind, OutboxPayload.from_json(row.payload).notice) for row in rows]
    assert shown
    for item in shown:
        check(validator, item, f"{scenario.name}: {type(item).__name__}")
    for kind, notice in notices:
        check(validator, notice, f"{scenario.name}: {kind}")


SWEPT = {
    "agreement_review",
    "concern_alert",
    "information_request",
    "recommendation_digest",
    "recommendation_escalation",
    "recommendation_nudge",
    "request_reminder",
    "sharing_board_pack",
}
QUESTIONS = (
    "help",
    "my reports",
    "open concerns",
    "hotspots",
    "tension areas",
    "concerns near Cheapside",
    "my requests",
    "my actions",
    "overdue actions",
    "actions for Housing",
    "progress report",
    "status CN-2026-0001",
    "status IR-2026-0001",
    "status VUL-18",
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_answer_and_every_sweeps_notice_is_valid(
    validator, sample_hub: Hub, clock: FixedClock
):
    alex = Person(sample_hub, ALEX)
    await alex.say(*CONCERN)
    await alex.say(*REQUEST)
    await authorise(sample_hub)  # so City Police's officer is told too
    shown: list[Outbound] = []
    for email in (ALEX, PRIYA, JORDAN, DREW, JAMIE):
        person = Person(sample_hub, email)
        for question in QUESTIONS:
            shown += await person.send(question)
    for _ in range(40):  # the days go by: reminders, escalations, digests, reviews, board packs
        clock.advance(days=1)
        for sweep in REGISTRY.sweeps:
            await sample_hub.run(sweep.run)
    async with sample_hub.database.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    for item in shown:
        check(validator, item, type(item).__name__)
    for row in rows:
        check(validator, OutboxPayload.from_json(row.payload).notice, row.kind)
    assert {r.kind for r in rows} >= SWEPT, "the days gone by produce every kind of notice"


# Text a person could type or a directory could hold: any characters, markup, over-long.
TEXT = st.text(min_size=0, max_size=3000) | st.sampled_from(
    ["", " ", "\n\n", "<at>All</at>", "**x** [a](https://evil.example)", "\\" * 50, "Ω" * 5000]
)
LABEL = st.text(min_size=1, max_size=300)
ACTIONS = st.lists(
    st.builds(
        NoticeAction,
        st.text(min_size=1, max_size=60),
        LABEL,
        st.sampled_from(["CN-1", "VUL-18", "DV-01"]),
        st.sampled_from(["", "primary", "danger"]),
    ),
    max_size=25,
)
OPTION_LISTS = st.lists(
    st.builds(Option, st.text(min_size=1, max_size=50), LABEL),
    max_size=30,
    unique_by=lambda o: o.value,
)
ITEMS = st.one_of(
    st.builds(Say, TEXT),
    st.builds(
        Ask,
        st.just("partner"),
        st.sampled_from([k.value for k in FieldKind]),
        TEXT,
        OPTION_LISTS.map(tuple),
        TEXT,
        TEXT,
        st.booleans(),
        st.sampled_from(["concern", "info_request", ""]),
    ),
    st.builds(
        Summary,
        st.just("concern"),
        TEXT,
        st.lists(
            st.builds(SummaryRow, st.text(max_size=40), TEXT, TEXT, st.booleans()), max_size=25
        ).map(tuple),
    ),
    st.builds(Completed, TEXT, TEXT),
    st.builds(
        Notice,
        st.just("concern_alert"),
        TEXT,
        st.lists(TEXT, max_size=12).map(tuple),
        TEXT,
        ACTIONS.map(tuple),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from([f for f in FORMS.values() if cards.has_form_card(f)]),
    values=st.dictionaries(st.text(min_size=1, max_size=40), TEXT, max_size=5),
    errors=st.dictionaries(st.text(min_size=1, max_size=40), TEXT, max_size=5),
    typed=TEXT,
)
def test_hostile_text_in_a_whole_form_card_still_gives_a_valid_card(
    validator, form, values, errors, typed
):
    names = [spec.name for spec in cards.card_fields(form)]
    values = {**values, **dict.fromkeys(names, typed)}
    errors = {**errors, names[0]: typed}
    assert problems(validator, cards.form_card(form, values, errors)) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(ITEMS, min_size=1, max_size=4))
def test_hostile_text_still_gives_valid_cards_with_every_button(validator, items):
    made = cards.reply_cards(items, FORMS)
    assert made
    for card in made:
        assert problems(validator, card) == []
    for item in items:
        if isinstance(item, Notice | Ask):
            (card,) = cards.reply_cards([item], FORMS)
            assert offered_missing(item, card) == []
