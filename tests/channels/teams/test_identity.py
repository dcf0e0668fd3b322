"""A Teams user whose roster lookup failed (a roster that has not caught up with a new install
answers "not found") is linked to the directory on a later message."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, ChannelAddress, Person


async def test_a_failed_roster_lookup_is_tried_again_and_links_the_manager(
    teams, teams_user, sample_hub
):
    teams.connector.roster_misses = 1
    priya = teams_user("29:priya")
    await priya.say("hello")
    async with sample_hub.database.transaction() as session:
        stand_in = await session.scalar(select(Person).where(Person.teams_aad_id == "aad-priya"))
    assert stand_in.email == "teams-aad-priya@unknown.invalid"

    reply = await priya.say("open concerns")  # the roster answers this time

    async with sample_hub.database.transaction() as session:
        linked = await session.scalar(select(Person).where(Person.teams_aad_id == "aad-priya"))
        addresses = list(await session.scalars(select(ChannelAddress)))
        merged = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "person.merged")
        )
        left = await session.scalar(select(Person).where(Person.email.like("%unknown.invalid")))
    assert linked.email == "priya@example.org" and linked.has_role("prevent_manager")
    assert "no open concerns" in reply.text.lower() or "CN-" in reply.text
    assert [a.person_id for a in addresses] == [linked.id]  # her chat reference came along
    assert merged.actor == "priya@example.org" and left is None
