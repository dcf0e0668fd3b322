"""What an owner types about their own items: 'snooze VUL-18' and 'my actions'.

The hub's clock is Monday 23 November 2026, 09:00; the sample register is loaded. Typing a
button's words and the item's reference is the same as pressing that button: the same rules,
the same answers and the same audit rows.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from bot.recommendations.items import DONE_ACTION, SNOOZE_ACTION, VERIFY_ACTION
from dialogs.messages import ActionInput, Notice, Say
from storage.models import AuditEntry, Recommendation
from tests.conftest import Person
from tests.recommendations.test_nudges import at, item


async def audit_of(hub, actor: str, reference: str) -> list[tuple[str, dict[str, object]]]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor == actor, AuditEntry.record_reference == reference)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.summary) for row in rows]


async def test_an_owner_snoozes_by_typing_a_week_at_a_time_at_most_twice(sample_hub, clock):
    drew = Person(sample_hub, "drew@example.org")
    assert await drew.send("snooze DV-15") == [
        Say("DV-15 is snoozed: I'll ask again on Mon 30 Nov. You can snooze it 1 more time.")
    ]
    clock.current = at(date(2026, 11, 30), time(10, 0))
    assert await drew.send("Snooze dv-15") == [
        Say("DV-15 is snoozed: I'll ask again on Mon 07 Dec. That was its last snooze.")
    ]
    clock.current = at(date(2026, 12, 7), time(10, 0))
    assert await drew.send("snooze DV-15") == [
        Say(
            "DV-15 has already been snoozed 2 times; "
            "please give an update or ask for more time instead."
        )
    ]
    rec = await item(sample_hub, "DV-15")
    assert rec.snoozes == 2
    assert rec.snoozed_until is not None and rec.snoozed_until.date() == date(2026, 12, 7)
    audited = await audit_of(sample_hub, "drew@example.org", "DV-15")
    assert [action for action, _ in audited] == [
        "recommendation.snooze",
        "recommendation.snooze",
        "action.refused",
    ]
    assert audited[1][1]["until"] == "2026-12-07"
    assert audited[2][1]["refused_action"] == SNOOZE_ACTION


async def test_a_typed_snooze_of_someone_elses_or_a_closed_item_changes_nothing(sample_hub, clock):
    alex, drew = Person(sample_hub, "alex@example.org"), Person(sample_hub, "drew@example.org")
    assert await alex.send("snooze VUL-18") == [
        Say("VUL-18 is no longer yours, so nothing was changed.")
    ]
    assert await drew.send("snooze VUL-03") == [
        Say("VUL-03 is already closed (verified), so nothing was changed.")
    ]
    assert await drew.send("snooze VUL-99") == [
        Say("VUL-99 is not in the register, so nothing was changed.")
    ]
    for reference in ("VUL-18", "VUL-03"):
        rec = await item(sample_hub, reference)
        assert (rec.snoozes, rec.snoozed_until) == (0, None)
    assert await audit_of(sample_hub, "alex@example.org", "VUL-18") == [
        (
            "action.refused",
            {
                "refused_action": SNOOZE_ACTION,
                "reason": "VUL-18 is no longer yours, so nothing was changed.",
            },
        )
    ]
    assert [a for a, _ in await audit_of(sample_hub, "drew@example.org", "VUL-03")] == [
        "action.refused"
    ]


async def test_my_actions_lists_the_open_items_first_and_the_closed_ones_apart(sample_hub):
    drew = Person(sample_hub, "drew@example.org")
    (listing,) = await drew.send("my actions")
    assert isinstance(listing, Notice)
    assert listing.title == "Your recommendations: 3 open"
    lines = list(listing.lines)
    closed_at = lines.index("Closed (6, the latest 3):")
    opened = [line.split()[0] for line in lines[:closed_at]]
    assert opened == ["DV-01", "DV-15", "VUL-18"]
    assert all("closed" not in line for line in lines[:closed_at])
    closed = lines[closed_at + 1 : closed_at + 4]
    # Most recent first: the DV items were due 30 Sep, the VUL items 30 Jun (then by reference).
    assert [line.split()[0] for line in closed] == ["DV-17", "DV-03", "VUL-30"]
    assert all(line.endswith("(closed (verified))") for line in closed)
    assert lines[closed_at + 4 :] == [
        "Say 'update an action' to post progress, mark one done, or ask for more time."
    ]


async def test_my_actions_when_everything_is_closed(sample_hub):
    async with sample_hub.database.transaction() as session:
        for rec in await session.scalars(
            select(Recommendation).where(Recommendation.reference.in_(["VUL-18", "DV-01", "DV-15"]))
        ):
            rec.status = "closed_verified"
    (listing,) = await Person(sample_hub, "drew@example.org").send("my actions")
    assert listing.title == "Your recommendations: 0 open"
    assert listing.lines[:2] == (
        "Nothing open: all your recommendations are closed.",
        "Closed (9, the latest 3):",
    )


async def test_an_item_just_verified_heads_the_closed_ones(sample_hub, clock):
    drew, jamie = Person(sample_hub, "drew@example.org"), Person(sample_hub, "jamie@example.org")
    await drew.send(ActionInput(DONE_ACTION, "DV-15"))
    await drew.say("Training delivered to all teams", "skip")
    await drew.send("confirm")
    clock.current = at(date(2026, 11, 24), time(10, 0))
    assert await jamie.send(ActionInput(VERIFY_ACTION, "DV-15")) == [
        Say("DV-15 is closed (verified).")
    ]
    (listing,) = await drew.send("my actions")
    assert listing.title == "Your recommendations: 2 open"
    closed_at = listing.lines.index("Closed (7, the latest 3):")
    assert listing.lines[closed_at + 1].startswith("DV-15 ")
