"""Every card the renderer produces follows the rules that matter in Teams, and user text never
formats, links or mentions."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import REGISTRY
from bot.channels.teams import cards
from dialogs import engine
from dialogs.engine import FormContext
from dialogs.form import FieldKind
from dialogs.messages import (
    Ask,
    Completed,
    Notice,
    NoticeAction,
    Option,
    Say,
    Summary,
    SummaryRow,
)

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
SPECIALS = set("\\`*_~[](){}<>#|!&")


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


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@pytest.mark.parametrize(("name", "card"), CARDS, ids=[name for name, _ in CARDS])
def test_every_card_follows_the_rules(name, card):
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert cards.card_size(card) <= cards.MAX_CARD_BYTES
    assert len(card.get("actions", [])) <= cards.MAX_ACTIONS
    ids = []
    for element in walk(card):
        kind = str(element.get("type", ""))
        if kind.startswith("Input."):
            assert element.get("id"), f"{kind} without an id"
            ids.append(element["id"])
        if kind == "TextBlock":
            assert element["wrap"] is True
            assert 0 < len(element["text"]) <= cards.MAX_TEXT
            assert unescaped(element["text"]) == [], element["text"][:200]
        if kind.startswith("Action."):
            assert 0 < len(element["title"]) <= cards.MAX_BUTTON
            assert element["data"][cards.KIND]
        if kind == "Input.ChoiceSet":
            assert 0 < len(element["choices"]) <= cards.MAX_CHOICES
            assert all(len(c["title"]) <= cards.MAX_CHOICE for c in element["choices"])
        if kind == "Input.Text":
            assert 0 < element["maxLength"] <= 5000
    assert len(ids) == len(set(ids)), "input ids are unique in a card"


def unescaped(text: str) -> list[str]:
    """Markdown specials in `text` not preceded by an (unescaped) backslash."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in SPECIALS:
            found.append(text[i])
        i += 1
    return found


def test_user_text_never_formats_links_or_mentions():
    shown = cards.escape(HOSTILE)
    assert unescaped(shown) == []
    assert "<at>" not in shown and "https://" not in shown and "www.evil" not in shown
    for line in shown.split("\n"):
        assert not re.match(r"\s*([-+=>#]|\d+\.)", line), line
    assert shown.replace("\\", "").replace("\u200b", "") == HOSTILE.replace("\\", "")


def test_control_characters_are_dropped_and_text_is_bounded():
    block = cards.text_block("a\u202eb\u0007c" + "d" * 5000)
    assert block["text"].startswith("abc") and len(block["text"]) == cards.MAX_TEXT
    assert block["text"].endswith("…")
    cut = cards.text_block("\\" * 5000)["text"]
    assert cut.endswith("…")
    body = cut[:-1]
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0, "no dangling escape before the ellipsis"


def test_the_one_card_form_holds_only_independent_fields():
    concern = REGISTRY.forms["concern"]
    names = [f.name for f in cards.card_fields(concern)]
    assert "targets" not in names and "danger_now" not in names and "photos" not in names
    assert cards.has_form_card(FORMS["concern"]) and cards.has_form_card(FORMS["info_request"])
    assert not cards.has_form_card(FORMS.get("organisation"))


def test_statements_join_the_question_that_follows():
    ask = Ask("danger_now", "yes_no", "Danger?", (Option("yes", "Yes"), Option("no", "No")))
    (card,) = cards.reply_cards([Say("Intro"), ask], FORMS)
    texts = [b["text"] for b in walk(card) if b.get("type") == "TextBlock"]
    assert texts == ["Intro", "Danger?"]
    assert [a["data"]["value"] for a in card["actions"]] == ["yes", "no"]


def test_a_summary_offers_no_edit_for_the_record_a_button_opened_the_form_about():
    rows = (SummaryRow("reference", "Request", "IR-2026-0001", editable=False),)
    rows += (SummaryRow("reasons", "Reasons", "Needed"),)
    card = cards.summary_card(Summary("request_decision", "Decision record", rows))
    edits = [a["data"]["argument"] for a in walk(card) if a.get("title") == "Edit"]
    assert edits == ["reasons"]
