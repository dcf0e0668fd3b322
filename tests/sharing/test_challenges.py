"""Challenges keep the record consistent, on SQLite and PostgreSQL.

An upheld challenge reopens the decision: the data owner records a new one that supersedes the
first (both are kept), the status follows the decision in force, fulfilment records what was sent,
and the register and the board pack tell the same story. Reviewers answer by typing 'uphold' or
'reject' with the reference; answering twice, after a withdrawal, or with a forged button or form
changes nothing and is audited.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.sharing.board_pack import build_pack
from bot.sharing.register import export_register
from bot.sharing.sweeps import sweep_requests
from dialogs.messages import ActionInput, Ask, Completed, FormInput, Notice, Say, Summary
from storage.models import AuditEntry, InformationRequest, RequestDecision
from tests.conftest import Person
from tests.sharing.test_lifecycle import (
    REFERENCE,
    confirm,
    labels,
    notices,
    press,
    submit_request,
    the_request,
)
from tests.tables import snapshot

REOPENED = (
    "The challenge to IR-2026-0001 was upheld, so the data owner records a new decision first "
    "(approve, or approve in part); it can be marked fulfilled after that. Nothing was changed."
)
ALREADY_UPHELD = (
    f"The challenge to {REFERENCE} was already upheld on 24 Nov 2026; nothing was changed."
)


async def declined_and_challenged(alex: Person, jordan: Person, clock) -> None:
    """Jordan declines IR-2026-0001 on Monday; Alex challenges it that afternoon."""
    await submit_request(alex)
    clock.advance(hours=1)
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The call logs name neighbours")
    await confirm(jordan)
    clock.advance(hours=2)
    await alex.send(press("challenge"))
    await alex.send("The panel needs the pattern, not the neighbours' names")
    await confirm(alex)


async def upheld(alex: Person, jordan: Person, dana: Person, clock) -> None:
    """...and on Tuesday Dana, the challenge reviewer, upholds it by typing."""
    await declined_and_challenged(alex, jordan, clock)
    clock.advance(days=1)
    opened = await dana.send("uphold IR-2026-0001")
    assert isinstance(opened[-1], Ask) and opened[-1].field == "note"
    await dana.send("Share the pattern with the neighbours' names redacted")
    summary = dana.last
    assert isinstance(summary, Summary)
    assert {r.field: r.value for r in summary.rows}["outcome"].startswith("Uphold")
    done = await confirm(dana)
    assert done[-1].text.startswith("The challenge to IR-2026-0001 is upheld.")


async def refusals(hub) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        found = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(("action.refused", "form.refused", "input.not_offered")))
            .order_by(AuditEntry.id)
        )
        return list(found)


async def test_an_upheld_challenge_reopens_the_decision_and_the_record_stays_consistent(
    person, sample_hub, clock
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await upheld(alex, jordan, dana, clock)

    owner = (await notices(sample_hub, "jordan@example.org", "information_request"))[-1]
    assert labels(owner) == ["Approve", "Approve in part"]  # no Mark fulfilled straight away
    waiting = [line for line in owner.payload["lines"] if line.startswith("Waiting for")]
    assert waiting == ["Waiting for the data owner's new decision, by 01 Dec 2026"]
    assert await jordan.send("mark fulfilled IR-2026-0001") == [Say(REOPENED)]

    clock.advance(hours=2)
    said = await jordan.send("approve in part IR-2026-0001")
    assert said[0] == Say(
        "The challenge was upheld, so your new decision replaces the earlier one (declined), "
        "which stays on the record."
    )
    await jordan.say(
        "Upheld on challenge: the pattern is needed, the names are not",
        "ASB incident summaries for Golden Lane since June, names redacted",
        "Neighbours' names and call recordings",
        "Names blacked out",
    )
    done = await confirm(jordan)
    assert done[-1].text.startswith(
        "Your new decision on IR-2026-0001 is recorded, replacing the earlier one (declined), "
        "and Alex Morgan has been told."
    )
    request = await the_request(sample_hub)
    assert request.status == "partially_approved"

    (status,) = await alex.send("status IR-2026-0001")
    assert isinstance(status, Notice) and status.title == "IR-2026-0001: approved in part"
    assert "Decision: approved in part by Jordan Test, Inspector on 24 Nov 2026" in status.lines
    assert (
        "Earlier decision: declined by Jordan Test, Inspector on 23 Nov 2026 (third-party "
        "confidentiality), superseded after the challenge was upheld" in status.lines
    )
    told = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert (
        "Jordan Test approved it in part. This replaces the earlier decision (declined)."
        in (told.payload["lines"])
    )
    assert "Mark fulfilled" in labels(told)

    clock.advance(days=1)  # Wednesday 25 November: Jordan sent it on Tuesday
    asked = await jordan.send(press("fulfil"))
    assert asked[0] == Say(
        "Let's record what was shared. Describe it: never put the information itself in this chat."
    )
    assert isinstance(asked[-1], Ask) and asked[-1].field == "shared"
    assert "Suggested: ASB incident summaries for Golden Lane since June, names redacted" in (
        asked[-1].prompt
    )
    await jordan.send("Twelve incident summaries, names redacted")
    rows = {r.field: r.value for r in jordan.last.rows}
    assert (rows["route"], rows["sent_on"]) == ("Secure email", "25 Nov 2026")  # prefilled
    await jordan.say("edit sent_on", "yesterday")
    done = await confirm(jordan)
    assert done[-1] == Completed(
        REFERENCE, "IR-2026-0001 is marked fulfilled: sent by Secure email on 24 Nov 2026."
    )

    async with sample_hub.database.transaction() as session:
        decisions = list(
            await session.scalars(select(RequestDecision).order_by(RequestDecision.id))
        )
        request = await session.scalar(select(InformationRequest))
        fulfil = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "request.fulfil")
        )
    first, final = decisions  # both kept: the newest is the one in force
    assert (first.decision, first.decline_reason, first.sent_description) == (
        "declined",
        "third_party",
        "",
    )
    assert (final.decision, final.supersedes_id, request.status) == (
        "partially_approved",
        first.id,
        "fulfilled",
    )
    assert (final.sent_description, final.sent_route, final.sent_on) == (
        "Twelve incident summaries, names redacted",
        "Secure email",
        date(2026, 11, 24),
    )
    assert fulfil.summary["sent_on"] == "2026-11-24" and fulfil.actor == "jordan@example.org"
    assert "Twelve" not in str(fulfil.summary)  # what was sent stays out of the audit summary

    (status,) = await alex.send("status IR-2026-0001")
    assert (
        "Shared by Secure email on 24 Nov 2026 (recorded by Jordan Test): Twelve incident "
        "summaries, names redacted" in status.lines
    )

    async with sample_hub.unit() as uow:
        text = await export_register(uow, date(2026, 11, 1), "csv", "tester")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["status"], row["decision"], row["decline_reason"]) == (
        "fulfilled",
        "approved in part",
        "",
    )
    assert row["earlier_decisions"] == (
        "declined 2026-11-23 10:00 by Jordan Test, Inspector (Third-party confidentiality), "
        "superseded after the challenge was upheld"
    )
    assert row["to_share"] == "ASB incident summaries for Golden Lane since June, names redacted"
    assert (row["shared"], row["sent_route"], row["sent_on"], row["fulfilled_by"]) == (
        "Twelve incident summaries, names redacted",
        "Secure email",
        "2026-11-24",
        "Jordan Test",
    )
    assert row["challenges"] == "the data owner's challenge reviewer: upheld"
    assert row["steps"].split("; ")[-3:] == [
        "2026-11-24 12:00 challenge upheld (the data owner's challenge reviewer) by Dana Review",
        "2026-11-24 14:00 approved in part by Jordan Test",
        "2026-11-25 14:00 fulfilled by Jordan Test",
    ]

    async with sample_hub.unit() as uow:
        pack = await build_pack(uow, date(2026, 11, 1))
    assert pack.volumes["Approved in part"] == [1] and pack.volumes["Declined"] == [0]
    assert (pack.decided, pack.decline_reasons) == (1, {})  # one request, decided once
    assert pack.challenges == {"the data owner's challenge reviewer upheld": 1}
    assert pack.superseded == {"declined": 1}


async def test_reviewers_reject_by_typing_and_answering_twice_changes_nothing(
    person, sample_hub, clock
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await declined_and_challenged(alex, jordan, clock)
    clock.advance(days=1)
    await dana.say("reject IR-2026-0001", "Redaction would not protect the neighbours")
    assert {r.field: r.value for r in dana.last.rows}["outcome"].startswith("Reject")
    done = await confirm(dana)
    assert done[-1].text.startswith("The challenge to IR-2026-0001 is rejected.")
    before = await snapshot(sample_hub.database)

    for typed in ("reject IR-2026-0001", "uphold IR-2026-0001"):
        assert await dana.send(typed) == [
            Say(
                "The challenge to IR-2026-0001 was already rejected on 24 Nov 2026; "
                "nothing was changed."
            )
        ]
    assert await dana.send(press("uphold_challenge")) == [
        Say(
            "The challenge to IR-2026-0001 was already rejected on 24 Nov 2026; nothing was changed."
        )
    ]

    assert await snapshot(sample_hub.database) == before
    refused = [(a.actor, a.summary["refused_action"]) for a in await refusals(sample_hub)]
    assert refused == [
        ("dana@example.org", "request.reject_challenge"),
        ("dana@example.org", "request.uphold_challenge"),
        ("dana@example.org", "request.uphold_challenge"),
    ]


async def test_after_a_withdrawal_nobody_can_answer_or_decide(person, sample_hub, clock):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await upheld(alex, jordan, dana, clock)
    await alex.say("withdraw IR-2026-0001", "No longer needed")
    await confirm(alex)
    before = await snapshot(sample_hub.database)
    withdrawn = Say("IR-2026-0001 is withdrawn, so nothing more can be done with it.")

    assert await jordan.send("approve IR-2026-0001") == [withdrawn]
    assert await jordan.send(press("approve_in_part")) == [withdrawn]
    assert await dana.send("uphold IR-2026-0001") == [withdrawn]
    assert await dana.send("reject IR-2026-0001") == [withdrawn]

    assert await snapshot(sample_hub.database) == before
    assert len(await refusals(sample_hub)) == 4


async def test_forged_steps_on_an_upheld_challenge_change_nothing_and_are_audited(
    person, sample_hub, clock
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    pat = person("pat@example.org")
    await upheld(alex, jordan, dana, clock)
    before = await snapshot(sample_hub.database)

    assert await jordan.send(press("fulfil")) == [Say(REOPENED)]  # the old button, forged
    assert await pat.send(press("approve")) == [
        Say("I can't find a record with that reference that you can see.")
    ]
    assert await dana.send(press("approve")) == [
        Say(
            "Only the data owner's liaison officers (or their deputies) can record a new decision "
            "on IR-2026-0001."
        )
    ]
    assert await dana.send(press("uphold_challenge")) == [Say(ALREADY_UPHELD)]
    forged = await jordan.send(
        FormInput("request_fulfil", {"reference": REFERENCE, "shared": "Everything"})
    )
    assert isinstance(forged[-1], Say) and not isinstance(forged[-1], Ask)
    forged = await alex.send(ActionInput("request.supersede", REFERENCE))
    assert isinstance(forged[-1], Say)

    assert await snapshot(sample_hub.database) == before
    refused = await refusals(sample_hub)
    assert [a.actor for a in refused] == [
        "jordan@example.org",
        "pat@example.org",
        "dana@example.org",
        "dana@example.org",
        "jordan@example.org",
        "alex@example.org",
    ]


async def test_help_tells_reviewers_how_to_answer_a_challenge(person, sample_hub):
    for email in ("dana@example.org", "frankie@example.org", "chris@example.org"):
        (help_text,) = await person(email).send("help")
        assert "typing 'uphold IR-2026-0001' or 'reject IR-2026-0001'" in help_text.text, email
    (staff,) = await person("alex@example.org").send("help")
    assert "uphold IR-2026-0001" not in staff.text
    (owner,) = await person("jordan@example.org").send("help")
    assert "after an upheld challenge, record your new decision" in owner.text


async def test_a_new_decision_after_an_upheld_challenge_can_be_challenged_afresh(
    person, sample_hub, clock
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await upheld(alex, jordan, dana, clock)
    clock.advance(hours=1)
    await jordan.say("approve in part IR-2026-0001", "Upheld", "Summaries", "All names", "skip")
    await confirm(jordan)
    told = (await notices(sample_hub, "alex@example.org", "request_update"))[-1]
    assert labels(told) == ["Challenge the decision", "Mark fulfilled", "Withdraw"]

    clock.advance(hours=1)
    said = await alex.send("challenge the decision IR-2026-0001")
    assert said[0] == Say(  # a new decision: its challenge starts at the first level again
        "Your challenge goes to the data owner's challenge reviewer, who should answer within "
        "5 working days."
    )
    await alex.send("Withholding every name leaves nothing the panel can use")
    done = await confirm(alex)
    assert "is with the data owner's challenge reviewer" in done[-1].text
    retired = await notices(sample_hub, "dana@example.org", "request_challenge_retired")
    assert retired and all(labels(row) == [] for row in retired)
    assert (
        "The new decision was challenged, to the data owner's challenge reviewer."
        in (retired[-1].payload["lines"])
    )
    fresh = (await notices(sample_hub, "dana@example.org", "request_challenge"))[-1]
    assert labels(fresh) == ["Uphold the challenge", "Reject the challenge"]
    assert (
        "Decision: approved in part by Jordan Test, Inspector on 24 Nov 2026"
        in (fresh.payload["lines"])
    )


async def test_the_data_owner_is_reminded_to_decide_again_after_an_upheld_challenge(
    person, sample_hub, clock
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await upheld(alex, jordan, dana, clock)  # Tuesday 24 November: due Tuesday 1 December
    clock.current = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # half the time has gone
    await sample_hub.run(sweep_requests)
    (reminder,) = await notices(sample_hub, "jordan@example.org", "request_reminder")
    assert reminder.payload["lines"][:2] == [
        "The challenge to IR-2026-0001 was upheld: please record your new decision (approve, or "
        "approve in part), then send it.",
        "Due by 01 Dec 2026",
    ]
