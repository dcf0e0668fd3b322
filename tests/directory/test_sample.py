"""The sample directory's partners who use email only: City Police's liaison officer is asked
for City Police's data, the cleansing contractor's contract manager is asked to remove what was
reported, and the charity's outreach lead owns recommendations; each prefers email."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage, Person
from tests.prevent.test_removal import removal_asked
from tests.sharing.test_lifecycle import submit_request

ROWAN, SASHA, CHARLIE = "rowan@example.org", "sasha@example.org", "charlie@example.org"


async def kinds_sent_to(hub, email: str) -> list[str]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage.kind)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.email == email)
        )
        return list(rows)


async def test_the_email_only_partners_prefer_email(sample_hub):
    async with sample_hub.database.transaction() as session:
        found = await session.scalars(
            select(Person).where(Person.email.in_((ROWAN, SASHA, CHARLIE)))
        )
        people = {p.email: p for p in found}
    assert {email: p.preferred_channel for email, p in people.items()} == dict.fromkeys(
        (ROWAN, SASHA, CHARLIE), "email"
    )
    assert not any(p.slack_user_id or p.teams_aad_id for p in people.values())


async def test_city_police_s_liaison_officer_is_asked_for_city_police_s_data(person, sample_hub):
    await submit_request(person("alex@example.org"))
    assert "information_request" in await kinds_sent_to(sample_hub, ROWAN)


async def test_the_contractor_s_contract_manager_is_asked_to_remove_it(person, sample_hub):
    await removal_asked(sample_hub, person, "Street cleansing contractor")
    assert await kinds_sent_to(sample_hub, SASHA) == ["removal_request"]
