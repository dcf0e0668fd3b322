"""Every card the renderer produces follows the rules that matter in Teams: user text is shown as
typed and never formats, links or mentions; every button the hub offers is on the card; inputs
are labelled; decisions are not nudged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import REGISTRY
from bot.channels.teams import cards
from bot.channels.teams.inbound import submitted
from dialogs import engine
from dialogs.engine import FormContext
from dialogs.form import FieldKind
from dialogs.messages import (
    Ask,
    Command,
    CommandInput,
    Completed,
    Notice,
    NoticeAction,
    Option,
    Say,
    Summary,
    SummaryRow,
)
from tests.channels.teams.conftest import actions, block_texts, walk

FORMS = REGISTRY.forms

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))
HOSTILE = (
    "**bold** _it_ ~~gone~~ `code` <at>All</at> <b>html</b> &amp; [link](https://evil.example) "
    "![img](x.png) {x} | www.evil.example\n# Heading\n- item\n+ item\n> quote\n1. first\n=== \\*"
)
LONG = "Ω" * 9000
OPTIONS = tuple(Option(f"p{i}", f"Partner {i} {'x' * 150}") for i in range(40))
DYNAMIC = {
    "partners": OPTIONS,
    "agreements": OPTIONS[:5],
    "my_recommendations": OPTIONS[:12],
    "organisations": OPTIONS,
}
FIXED_TEXTS = {cards.POINTER, cards.TEAM_WELCOME, cards.FORM_CARD_INTRO, cards.FIX_ANSWERS}
ALERT_ACTIONS = tuple(
    NoticeAction(f"concern.{name}", label, "CN-2026-0001", style)
    for name, label, style in (
        ("acknowledge", "Acknowledge", "primary"),
        ("assign", "Assign", ""),
        ("priority", "Change priority", ""),
        ("refer", "Refer", ""),
        ("duplicate", "Mark as duplicate", ""),
        ("removal", "Request removal", ""),
        ("close", "Close", "danger"),
    )
)
ALERT = Notice(
    "concern_alert", "P2 concern CN-2026-0001", ("Seen today",), "CN-2026-0001", ALERT_ACTIONS
)
ITEM_ACTIONS = ("done", "progress", "blocked", "not mine", "more time", "snooze a week")
NUDGE = Notice(
    "recommendation_nudge",
    "Your recommendations: 2 need an update from you",
    (
        "VUL-18 Share the referral pathway: in progress, 3 working days overdue.",
        "DV-01 Train front desk staff: not started, due in 2 working days.",
        "Press a button for each item, or say 'update an action'.",
    ),
    "NUDGE-1",
    tuple(
        NoticeAction(f"rec.{label}", f"{ref} {label}", ref, "primary" if label == "done" else "")
        for ref in ("VUL-18", "DV-01")
        for label in ITEM_ACTIONS
    ),
)


def every_card() -> list[tuple[str, dict]]:
    """One of each card kind, with hostile and over-long text wherever text goes."""
    made: list[tuple[str, dict]] = []
    ctx = FormContext(now=NOW, options=DYNAMIC)
    for form in REGISTRY.forms.values():
        for spec in form.fields:
            ask = engine.ask(form, spec, {}, ctx, error=HOSTILE)
            made.append(
                (
                    f"ask {form.id}.{spec.name}",
                    cards.ask_card(ask, [form.intro, HOSTILE], forms=FORMS),
                )
            )
        answers = {spec.name: LONG for spec in form.fields if spec.kind is FieldKind.TEXT}
        made.append(
            (f"summary {form.id}", cards.summary_card(engine.summarise(form, answers, ctx)))
        )
        errors = {spec.name: HOSTILE for spec in cards.card_fields(form)}
        values = {spec.name: LONG for spec in cards.card_fields(form)}
        made.append((f"form {form.id}", cards.form_card(form)))
        made.append((f"form {form.id} with errors", cards.form_card(form, values, errors)))
    rows = tuple(SummaryRow(f"f{i}", HOSTILE, LONG) for i in range(25))
    made.append(("summary hostile", cards.summary_card(Summary("concern", HOSTILE, rows), [LONG])))
    made.append(
        (
            "ask long",
            cards.ask_card(Ask("f", "choice", LONG, OPTIONS, LONG, LONG, True, "x"), forms=FORMS),
        )
    )
    made.append(
        ("ask multi", cards.ask_card(Ask("targets", "multi", "Who?", OPTIONS[:7]), forms=FORMS))
    )
    made.append(("ask date", cards.ask_card(Ask("needed_by", "date", "By when?"), forms=FORMS)))
    made.append(
        ("ask number", cards.ask_card(Ask("people_count", "number", "How many?"), forms=FORMS))
    )
    made.append(("completed", cards.completed_card(Completed("CN-2026-0001", HOSTILE + LONG))))
    buttons = tuple(
        NoticeAction(f"a{i}", f"{HOSTILE} {i}", "CN-2026-0001", "primary") for i in range(9)
    )
    notice = Notice("concern_alert", HOSTILE + LONG, (HOSTILE, LONG) * 5, "CN-2026-0001", buttons)
    made.append(("notice", cards.notice_card(notice)))
    made.append(("alert", cards.notice_card(ALERT)))
    made.append(("nudge", cards.notice_card(NUDGE)))
    made.append(("say", cards.say_card([HOSTILE, LONG])))
    made.append(("pointer", cards.pointer_card()))
    made.append(("team welcome", cards.team_welcome_card()))
    made.extend(
        (f"turn {i}", c)
        for i, c in enumerate(
            cards.reply_cards(
                [Say(HOSTILE), Say("x"), Completed("IR-2026-0001", "ok"), Say("bye")], FORMS
            )
        )
    )
    return made


CARDS = every_card()


def inert(text: str) -> bool:
    """Whether no client can read `text` as a mention or a link."""
    lowered = text.lower()
    return (
        "<at" not in lowered
        and "</at" not in lowered
        and "://" not in text
        and "www." not in lowered
    )


@pytest.mark.parametrize(("name", "card"), CARDS, ids=[name for name, _ in CARDS])
def test_every_card_follows_the_rules(name, card):
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert cards.card_size(card) <= cards.MAX_CARD_BYTES
    ids = []
    for element in walk(card):
        kind = str(element.get("type", ""))
        if kind.startswith("Input."):
            assert element.get("id"), f"{kind} without an id"
            assert 0 < len(element["label"]) <= cards.MAX_LABEL, f"{kind} without a label"
            assert inert(element["label"])
            ids.append(element["id"])
        if kind == "TextBlock":
            assert element["text"] in FIXED_TEXTS, "only the module's own sentences are markdown"
            assert element["wrap"] is True
        if kind == "TextRun":
            assert 0 < len(element["text"]) <= cards.MAX_TEXT
            assert inert(element["text"]), element["text"][:200]
        if kind.startswith("Action."):
            assert 0 < len(element["title"]) <= cards.MAX_BUTTON
            assert inert(element["title"])
            assert element["data"][cards.KIND]
        if kind == "Input.ChoiceSet":
            assert element["choices"]
            assert all(len(c["title"]) <= cards.MAX_CHOICE for c in element["choices"])
        if kind == "Input.Text":
            assert 0 < element["maxLength"] <= 5000
    assert len(ids) == len(set(ids)), "input ids are unique in a card"


def offered(notice: Notice) -> list[tuple[str, str]]:
    return [(a.action, a.reference) for a in notice.actions]


def on_card(card: dict) -> list[tuple[str, str]]:
    return [
        (a["data"]["action"], a["data"]["reference"])
        for a in actions(card)
        if a["data"][cards.KIND] == cards.ACTION
    ]


@pytest.mark.parametrize("notice", [ALERT, NUDGE], ids=["alert", "grouped nudge"])
def test_every_notice_button_is_on_the_card(notice):
    assert sorted(on_card(cards.notice_card(notice))) == sorted(offered(notice))


def test_every_option_of_a_question_is_on_the_card():
    for options in (OPTIONS[:2], OPTIONS[:4], OPTIONS[:5], OPTIONS):
        for kind in ("choice", "multi"):
            card = cards.ask_card(Ask("partner", kind, "Which partner?", options), forms=FORMS)
            shown = [a["data"]["value"] for a in actions(card) if "value" in a["data"]]
            shown += [c["value"] for e in walk(card) for c in e.get("choices", [])]
            assert sorted(shown) == sorted(o.value for o in options)


def test_buttons_past_a_row_go_to_the_overflow_menu_in_order():
    card = cards.notice_card(ALERT)
    titles = [a["title"] for a in card["actions"]]
    assert titles == [a.label for a in ALERT_ACTIONS]
    modes = [a.get("mode", "primary") for a in card["actions"]]
    assert modes == ["primary"] * 5 + ["secondary"] * 2
    six = Notice("x", "Six", (), "IR-1", ALERT_ACTIONS[:6])
    assert all("mode" not in a for a in cards.notice_card(six)["actions"])


def test_each_item_of_a_grouped_notice_has_its_own_buttons_under_its_line():
    card = cards.notice_card(NUDGE)
    assert "actions" not in card
    body = card["body"]
    for reference in ("VUL-18", "DV-01"):
        line = next(
            i
            for i, e in enumerate(body)
            if block_texts(e) and block_texts(e)[0].startswith(reference)
        )
        row = body[line + 1]
        assert row["type"] == "ActionSet"
        assert [a["title"] for a in row["actions"]] == [f"{reference} {a}" for a in ITEM_ACTIONS]
        assert [a.get("mode", "primary") for a in row["actions"]] == ["primary"] * 2 + [
            "secondary"
        ] * 4


def test_no_notice_button_is_styled_so_no_decision_is_nudged():
    request = Notice(
        "information_request",
        "Information request IR-2026-0001",
        (),
        "IR-2026-0001",
        (
            NoticeAction("request.approve", "Approve", "IR-2026-0001", "primary"),
            NoticeAction("request.decline", "Decline", "IR-2026-0001", "danger"),
        ),
    )
    for notice in (request, ALERT, NUDGE):
        assert all("style" not in a for a in actions(cards.notice_card(notice)))


def test_user_text_is_shown_as_typed_never_as_markdown():
    rows = (SummaryRow("description", "Description", HOSTILE),)
    card = cards.summary_card(Summary("concern", "Visual-audit concern", rows))
    value = card["body"][-1]["columns"][1]["items"]
    assert {block["type"] for block in value} == {"RichTextBlock"}
    shown = [block_texts(block)[0].replace("\u200b", "") for block in value]
    assert shown == [line.strip() for line in HOSTILE.split("\n")]


def test_control_characters_are_dropped_and_text_is_bounded():
    (block,) = cards.paragraphs("a\u202eb\u0007c " + "d" * 5000)
    text = block["inlines"][0]["text"]
    assert text.startswith("abc") and len(text) <= cards.MAX_TEXT and text.endswith("…")


def test_button_titles_are_shortened_at_a_word():
    label = "Approve in part, sharing only the incident summaries for both addresses"
    title = cards.submit(label, {cards.KIND: cards.ACTION})["title"]
    assert len(title) <= cards.MAX_BUTTON and title.endswith("…")
    kept = title.removesuffix("…")
    assert label.startswith(kept) and label[len(kept)] in " ,"


def test_summary_edit_buttons_name_their_answer():
    rows = (SummaryRow("reference", "Request", "IR-2026-0001", editable=False),)
    rows += (SummaryRow("reasons", "Reasons", "Needed"), SummaryRow("cctv", "CCTV nearby", "Yes"))
    rows += (SummaryRow("long", "Where the concern was seen by the person reporting it", "x"),)
    card = cards.summary_card(Summary("request_decision", "Decision record", rows))
    edits = {
        a["data"]["argument"]: a["title"]
        for a in actions(card)
        if a["data"].get("command") == "edit"
    }
    assert edits == {
        "reasons": "Edit reasons",
        "cctv": "Edit CCTV nearby",
        "long": "Edit where the concern was seen by the…",
    }


def test_a_recorded_reference_is_bold_in_the_text_colour_with_a_check_mark():
    card = cards.completed_card(Completed("CN-2026-0001", "We'll be in touch."))
    run = next(e for e in walk(card) if e.get("type") == "TextRun")
    assert run["text"] == "\u2713 Recorded: CN-2026-0001"
    assert run["weight"] == "Bolder" and "color" not in run
    assert not [e for e in walk(card) if e.get("color") == "Good"]


def inputs(card: dict) -> list[dict]:
    return [e for e in walk(card) if str(e.get("type", "")).startswith("Input.")]


def test_a_required_question_says_so_and_skip_and_now_send_no_inputs():
    when = cards.ask_card(Ask("seen_at", "datetime", "When?", form_id="concern"), forms=FORMS)
    date, time = inputs(when)
    assert date["label"].startswith(
        next(f.label for f in FORMS["concern"].fields if f.name == "seen_at")
    )
    for element in (date, time):
        assert element["isRequired"] is True and element["errorMessage"]
    now = next(a for a in actions(when) if a["title"] == "Now")
    assert now["associatedInputs"] == "none"
    optional = cards.ask_card(
        Ask("partner", "choice", "Which?", OPTIONS[:6], optional=True), forms=FORMS
    )
    (choice,) = inputs(optional)
    assert choice["label"] == "Which?" and "isRequired" not in choice
    skip = next(a for a in actions(optional) if a["title"] == "Skip")
    assert skip["associatedInputs"] == "none"


def test_the_one_card_form_labels_every_input_with_its_question():
    form = FORMS["concern"]
    card = cards.form_card(form)
    prompts = {f.name: f.prompt for f in cards.card_fields(form)}
    for element in inputs(card):
        assert element["label"] == " ".join(prompts[element["id"]].split())[: cards.MAX_LABEL]


@pytest.mark.parametrize(
    "card",
    [
        cards.team_welcome_card(),
        *cards.reply_cards([Say("Hello Alex. I can help you to...")], FORMS),
    ],
    ids=["team", "personal"],
)
def test_welcome_cards_offer_the_hubs_starts_and_help(card):
    pressed = [submitted(a["data"], FORMS) for a in actions(card)]
    starts = [CommandInput(Command.START, s.form_id) for s in REGISTRY.starts if not s.needs]
    assert pressed == [*starts, CommandInput(Command.HELP)]
    assert [a["title"] for a in actions(card)][:1] == [REGISTRY.starts[0].label]


def test_the_pointer_says_only_that_the_bot_carries_on_privately():
    card = cards.pointer_card()
    assert block_texts(card) == [cards.POINTER] and "actions" not in card


def test_the_one_card_form_holds_only_independent_fields():
    concern = REGISTRY.forms["concern"]
    names = [f.name for f in cards.card_fields(concern)]
    assert "targets" not in names and "danger_now" not in names and "photos" not in names
    assert cards.has_form_card(FORMS["concern"]) and cards.has_form_card(FORMS["info_request"])
    assert not cards.has_form_card(FORMS.get("organisation"))


def test_statements_join_the_question_that_follows():
    ask = Ask("danger_now", "yes_no", "Danger?", (Option("yes", "Yes"), Option("no", "No")))
    (card,) = cards.reply_cards([Say("Intro"), ask], FORMS)
    assert block_texts(card) == ["Intro", "Danger?"]
    assert [a["data"]["value"] for a in card["actions"]] == ["yes", "no"]
