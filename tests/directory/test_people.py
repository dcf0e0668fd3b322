"""The administrator's directory services: only an administrator changes anyone, and every
change and refusal is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.checks import Allowed, Refused
from bot.directory import people
from bot.prevent.concerns import record_concern
from bot.prevent.lifecycle import OPEN as CONCERNS_OPEN
from bot.recommendations.items import CLOSED as RECOMMENDATIONS_CLOSED
from bot.sharing.lifecycle import FINAL as REQUESTS_FINAL
from storage.models import AuditEntry, OutboxMessage, Person
from tests.conftest import concern_answers


async def load(uow, email: str) -> Person:
    found = await uow.session.scalar(select(Person).where(Person.email == email))
    assert found is not None
    return found


async def audited(hub, action: str) -> list[AuditEntry]:
    async with hub.unit() as uow:
        return list(
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        )


CHANGES = {
    "leaver": lambda uow, actor, target: people.mark_leaver(uow, actor, target.id),
    "reactivate": lambda uow, actor, target: people.reactivate(uow, actor, target.id),
    "off duty": lambda uow, actor, target: people.set_on_duty(uow, actor, target.id, False),
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize(
    "who", ["alex@example.org", "priya@example.org", "jamie@example.org", "chris@example.org"]
)
async def test_nobody_but_an_administrator_changes_the_directory(sample_hub, who, change):
    async with sample_hub.unit() as uow:
        sam = await load(uow, "sam@example.org")
        sam.active = change != "reactivate"  # so that each change would change something
        outcome = await CHANGES[change](uow, await load(uow, who), sam)
    assert outcome == Refused(people.ADMIN_ONLY)
    async with sample_hub.unit() as uow:
        sam = await load(uow, "sam@example.org")
        assert (sam.active, sam.on_duty) == (change != "reactivate", True)
    [refusal] = await audited(sample_hub, "action.refused")
    assert refusal.actor == who and refusal.summary["reason"] == people.ADMIN_ONLY


async def test_the_administrator_marks_a_leaver_and_reactivates_them_audited(sample_hub):
    async with sample_hub.unit() as uow:
        ada, sam = await load(uow, "admin@example.org"), await load(uow, "sam@example.org")
        assert isinstance(await people.mark_leaver(uow, ada, sam.id), Allowed)
        assert (sam.active, sam.on_duty) == (False, False)
        assert isinstance(await people.mark_leaver(uow, ada, sam.id), Allowed)  # twice: once
        assert isinstance(await people.reactivate(uow, ada, sam.id), Allowed)
        assert sam.active
    assert [e.summary["person"] for e in await audited(sample_hub, people.Change.LEAVER)] == [
        "sam@example.org"
    ]
    assert len(await audited(sample_hub, people.Change.REACTIVATED)) == 1


async def test_an_administrator_cannot_mark_themselves_a_leaver(sample_hub):
    async with sample_hub.unit() as uow:
        ada = await load(uow, "admin@example.org")
        assert await people.mark_leaver(uow, ada, ada.id) == Refused(people.NOT_YOURSELF)
        assert ada.active


async def test_only_prevent_managers_are_on_the_rota_and_never_a_leaver(sample_hub):
    async with sample_hub.unit() as uow:
        ada, pat = await load(uow, "admin@example.org"), await load(uow, "pat@example.org")
        sam = await load(uow, "sam@example.org")
        assert await people.set_on_duty(uow, ada, pat.id, False) == Refused(people.NOT_ON_ROTA)
        assert pat.on_duty
        await people.mark_leaver(uow, ada, sam.id)
        assert await people.set_on_duty(uow, ada, sam.id, True) == Refused(people.LEAVER_OFF_ROTA)
        assert not sam.on_duty


async def test_no_such_person_is_refused(sample_hub):
    async with sample_hub.unit() as uow:
        ada = await load(uow, "admin@example.org")
        assert await people.reactivate(uow, ada, 10_000) == Refused(people.NO_SUCH_PERSON)


async def test_a_leavers_assigned_concern_is_told_to_the_prevent_managers_and_coordinator(
    sample_hub,
):
    async with sample_hub.unit() as uow:
        sam = await load(uow, "sam@example.org")
        alex = await load(uow, "alex@example.org")
        concern = (await record_concern(uow, alex, concern_answers(), platform="console")).concern
        concern.assigned_to_id = sam.id
    async with sample_hub.unit() as uow:
        ada, sam = await load(uow, "admin@example.org"), await load(uow, "sam@example.org")
        page = await people.person_page(uow, ada, sam.id)
        assert page is not None
        assert [(h.reference, h.how) for h in page.held] == [
            (concern.reference, people.Held.CONCERN)
        ]
        await people.mark_leaver(uow, ada, sam.id)
        told = await uow.session.scalars(
            select(Person.email)
            .join(OutboxMessage, OutboxMessage.recipient_id == Person.id)
            .where(OutboxMessage.kind == people.LEAVER_NOTICE)
        )
        assert sorted(told) == ["jamie@example.org", "priya@example.org"]


def test_open_and_done_statuses_match_their_domains():
    """The directory cannot import the other domains, so it keeps their sets as strings."""
    assert {s.value for s in CONCERNS_OPEN} == people.CONCERNS_OPEN
    assert {s.value for s in REQUESTS_FINAL} == people.REQUESTS_DONE
    assert {s.value for s in RECOMMENDATIONS_CLOSED} == people.RECOMMENDATIONS_DONE


async def test_the_administrator_says_a_refused_address_works_again_audited(sample_hub):
    async with sample_hub.unit() as uow:
        jo = await load(uow, "jo@example.org")
        await people.mark_email_failing(uow, jo.id, "550 5.1.1 mailbox unavailable")
    async with sample_hub.unit() as uow:
        ada, jo = await load(uow, "admin@example.org"), await load(uow, "jo@example.org")
        [line] = [p for p in await people.people(uow, ada) if p.email == "jo@example.org"]
        assert (line.email_failing_since, line.email_failing_reason) == (
            uow.now,
            "550 5.1.1 mailbox unavailable",
        )
        assert isinstance(await people.clear_email_failing(uow, ada, jo.id), Allowed)
        assert isinstance(await people.clear_email_failing(uow, ada, jo.id), Allowed)  # once
        assert (jo.email_failing_since, jo.email_failing_reason) == (None, "")
    [cleared] = await audited(sample_hub, "directory.email_cleared")
    assert (cleared.actor, cleared.summary["person"]) == ("admin@example.org", "jo@example.org")


@pytest.mark.parametrize("who", ["jo@example.org", "jamie@example.org", "priya@example.org"])
async def test_nobody_but_an_administrator_says_an_address_works_again(sample_hub, who):
    async with sample_hub.unit() as uow:
        jo = await load(uow, "jo@example.org")
        await people.mark_email_failing(uow, jo.id, "550 no such user")
        outcome = await people.clear_email_failing(uow, await load(uow, who), jo.id)
    assert outcome == Refused(people.ADMIN_ONLY)
    async with sample_hub.unit() as uow:
        assert (await load(uow, "jo@example.org")).email_failing_since is not None
    [refusal] = await audited(sample_hub, "action.refused")
    assert (refusal.actor, refusal.summary["refused_action"]) == (who, "directory.email_cleared")
