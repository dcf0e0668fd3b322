"""Forged Slack interactions, signed as Slack signs them, change nothing and are audited (issue 12).

A `block_actions` press of an element the bot never sent that person (carried in a message made
up to contain it, so only the hub's own checks can stop it) and a `view_submission` whose
metadata names another form or conversation, or whose state holds fields and options the modal
never offered.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.conversation.turns import NOT_OFFERED, NOT_OFFERED_AUDIT
from storage.models import AuditEntry, DialogSession, Person
from tests.channels.slack.conftest import SlackHarness, text_of
from tests.channels.slack.test_modals import ANSWERS, change, open_by_shortcut, submit
from tests.conftest import Person as ChatUser
from tests.sharing.test_lifecycle import REFERENCE, submit_request
from tests.tables import snapshot


def made_up(*elements: dict[str, Any]) -> dict[str, Any]:
    """A message holding elements the bot never posted (Slack would send the real one)."""
    return {
        "type": "message",
        "ts": "1795510800.999999",
        "text": "",
        "blocks": [{"type": "actions", "block_id": "forged", "elements": list(elements)}],
    }


def button(action_id: str, value: str, label: str) -> dict[str, Any]:
    text = {"type": "plain_text", "text": label}
    return {"type": "button", "action_id": action_id, "value": value, "text": text}


def with_option(view: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    """The view with one more option in `field`'s menu, as if it had been offered."""
    blocks = []
    for block in view["blocks"]:
        if block.get("block_id") == field:
            element = block["element"]
            extra = {"text": {"type": "plain_text", "text": value}, "value": value}
            block = {**block, "element": {**element, "options": [*element["options"], extra]}}
        blocks.append(block)
    return {**view, "blocks": blocks}


async def audited(slack: SlackHarness, action: str) -> list[AuditEntry]:
    async with slack.hub.database.transaction() as session:
        found = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(found)


async def test_buttons_never_offered_to_that_person_change_nothing(slack):
    await submit_request(ChatUser(slack.hub, "alex@example.org"))
    priya = slack.user("UPRIYA")  # a Prevent manager: no part in the request
    await priya.say("hi")
    before = await snapshot(slack.hub.database)
    forged = made_up(
        button("answer:organisation:0", "HOUSING", "Housing"),
        button("command:start:1", "organisation", "Organisation"),
        button("command:start:2", "request_decision", "Decide"),
        button("notice:request.make_owner:3", REFERENCE, "Own it"),
        button("notice:request.approve:4", REFERENCE, "Approve"),
    )
    for label in ("Housing", "Organisation", "Decide", "Own it", "Approve"):
        replies = await priya.press(forged, label)
        assert len(replies) == 1, label
    texts = [text_of(m) for m in priya.messages()[-5:]]
    assert all(NOT_OFFERED in t for t in texts[:4])
    assert "find a record with that reference" in texts[4]

    assert await snapshot(slack.hub.database) == before
    refused = await audited(slack, NOT_OFFERED_AUDIT)
    assert [(a.summary["input"], a.summary.get("form")) for a in refused] == [
        ("choice", None),
        ("command", "organisation"),
        ("command", "request_decision"),
        ("action", None),
    ]
    assert {a.actor for a in refused} == {"priya@example.org"}
    assert refused[3].record_reference == REFERENCE
    (not_hers,) = await audited(slack, "action.refused")
    assert not_hers.record_reference == REFERENCE
    async with slack.hub.database.transaction() as session:
        priya_row = await session.scalar(select(Person).where(Person.email == "priya@example.org"))
    assert priya_row.partner.code == "CST"


async def test_a_modal_naming_a_form_or_fields_it_never_offered_changes_nothing(slack):
    alex = slack.user("UALEX")
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    view = await change(slack, "UALEX", view, "category", ANSWERS)
    before = await snapshot(slack.hub.database)
    extra = {
        "type": "input",
        "block_id": "reference",
        "label": {"type": "plain_text", "text": "x"},
        "element": {"type": "plain_text_input", "action_id": "field:reference"},
    }
    organisation = {
        "type": "input",
        "block_id": "organisation",
        "label": {"type": "plain_text", "text": "x"},
        "element": {
            "type": "static_select",
            "action_id": "field:organisation",
            "options": [{"text": {"type": "plain_text", "text": "H"}, "value": "HOUSING"}],
        },
    }
    meta = json.loads(view["private_metadata"])
    forgeries = (
        ({**view, "blocks": [*view["blocks"], extra]}, {**ANSWERS, "reference": "CN-2026-0009"}),
        (with_option(view, "category", "made_up"), {**ANSWERS, "category": "made_up"}),
        (with_option(view, "targets", "everyone"), {**ANSWERS, "targets": ["race", "everyone"]}),
        (
            {
                **view,
                "private_metadata": json.dumps({**meta, "form": "organisation"}),
                "blocks": [organisation],
            },
            {"organisation": "HOUSING"},
        ),
        (
            {**view, "private_metadata": json.dumps({**meta, "form": "request_review"})},
            {"note": "Upheld"},
        ),
    )
    for number, (forged_view, answers) in enumerate(forgeries):
        posted = len(alex.messages())
        unique = {**forged_view, "hash": f"forged{number}"}  # else a retry of the same view
        status, body = await submit(slack, "UALEX", unique, answers)
        assert (status, body) == (200, ""), answers
        (reply,) = alex.messages()[posted:]
        assert NOT_OFFERED in text_of(reply), answers

    assert await snapshot(slack.hub.database) == before
    refused = await audited(slack, NOT_OFFERED_AUDIT)
    assert [(a.summary["form"], a.summary.get("fields")) for a in refused] == [
        ("concern", ["reference"]),
        ("concern", ["category"]),
        ("concern", ["targets"]),
        ("organisation", None),
        ("request_review", None),
    ]
    assert all(a.summary["platform"] == "slack" for a in refused)


async def test_a_modal_answers_in_the_persons_dm_whatever_channel_its_metadata_names(slack):
    alex = slack.user("UALEX")
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    view = await change(slack, "UALEX", view, "category", ANSWERS)
    meta = json.loads(view["private_metadata"])
    elsewhere = {**view, "private_metadata": json.dumps({**meta, "channel": "CGENERAL"})}

    assert await submit(slack, "UALEX", elsewhere, ANSWERS) == (200, "")

    assert slack.fake.posted("CGENERAL") == []
    assert "upload up to 4" in text_of(alex.messages()[-1])
    async with slack.hub.database.transaction() as session:
        row = await session.scalar(select(DialogSession))
    assert f":{alex.dm}:UALEX" in row.address_key
