"""A form that ends without a record keeps none of its answers."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import DialogSession

CHILD = "Tilly Ambrose, born 3 March 2015"


async def states(hub) -> list[tuple[bool, str, dict]]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(select(DialogSession).order_by(DialogSession.id))
        return [(row.active, row.outcome, row.state) for row in rows]


async def test_a_cancelled_draft_forgets_what_was_typed(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", f"Graffiti naming {CHILD}")
    assert any(CHILD in str(state) for _, _, state in await states(sample_hub))
    replies = await alex.say("cancel")
    assert "Nothing was recorded" in str(replies)
    assert [(active, state) for active, _, state in await states(sample_hub)] == [(False, {})]


async def test_a_discarded_draft_forgets_what_was_typed(person, sample_hub, clock):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", f"Graffiti naming {CHILD}")
    clock.advance(days=2)  # put aside: the next message offers it back
    await alex.say("hello")
    replies = await alex.say("discard")
    assert "Nothing was recorded" in str(replies)
    assert all(not active and state == {} for active, _, state in await states(sample_hub))
