"""The administrator's pages: the directory, leavers, the Prevent duty rota and the audit chain."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select, update

from bot.conversation import visits
from bot.core.seals import append_seal
from bot.directory import people
from dialogs.messages import Notice
from storage.audit import seal
from storage.models import AuditEntry, OutboxMessage, Person
from tests.web.conftest import Browser

ADA = "admin@example.org"
PAT = "pat@example.org"


async def person(hub, email: str) -> Person:
    async with hub.unit() as uow:
        found = await uow.session.scalar(select(Person).where(Person.email == email))
        assert found is not None
        return found


async def sent_to(hub, email: str, kind: str) -> list[OutboxMessage]:
    async with hub.unit() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.email == email, OutboxMessage.kind == kind)
        )
        return list(rows)


async def test_the_administrator_sees_everyone_and_filters_by_organisation_and_role(sign_in):
    ada = await sign_in(ADA)
    home = await ada.get("/hub/")
    assert ("Directory", "/hub/directory") in home.links and ("Audit", "/hub/audit") in home.links
    everyone = await ada.get("/hub/directory")
    assert everyone.status == 200 and everyone.h1 == "Directory"
    assert "Pat Homes" in everyone.text and "Alex Morgan" in everyone.text
    assert "City Police" in everyone.text  # the partners table
    housing = await ada.get("/hub/directory?organisation=HOUSING")
    assert "Pat Homes" in housing.text and "Alex Morgan" not in housing.text
    managers = await ada.get("/hub/directory?role=prevent_manager")
    assert "Priya Sample" in managers.text and "Pat Homes" not in managers.text
    priya = await ada.get(managers.link("Priya Sample"))
    assert priya.h1 == "Priya Sample" and "Sam Example" in priya.text  # her deputy


async def test_a_leaver_cannot_sign_in_is_sent_nothing_and_their_items_are_flagged(
    sample_hub, sign_in
):
    pat = await sign_in(PAT)
    ada = await sign_in(ADA)
    pat_id = (await person(sample_hub, PAT)).id
    page = await ada.get(f"/hub/directory/people/{pat_id}")
    assert "DV-02" in page.text  # the recommendation Pat owns
    assert "VUL-12" not in page.text  # handed to the service: not open

    async with sample_hub.unit() as uow:
        waiting = Notice("test.nudge", "Before leaving", ("Hello",))
        assert await uow.notify(await uow.session.get(Person, pat_id), waiting, dedupe_key="w")

    left = await ada.press(page, "Mark as a leaver")
    assert left.status == 200 and left.url.endswith(f"/hub/directory/people/{pat_id}")
    assert "Leaver" in left.text and "need someone else to take them on" in left.text
    assert "Reactivate" in left.button_labels()
    assert await visits.make_link(sample_hub, PAT, limit=False) is None
    assert (await pat.get("/hub/")).url.endswith("/hub/sign-in?next=/hub/")
    [told] = await sent_to(sample_hub, "jamie@example.org", "directory.leaver")
    assert "DV-02" in str(told.payload)

    async with sample_hub.unit() as uow:
        leaver = await uow.session.get(Person, pat_id)
        queued = await uow.notify(
            leaver, Notice("test.nudge", "A nudge", ("Hello",)), dedupe_key="nudge-pat"
        )
    [dropped] = await sent_to(sample_hub, PAT, "test.nudge")  # waiting when Pat left: dropped
    assert not queued and dropped.status == "dead" and dropped.dedupe_key == "w"

    back = await ada.press(left, "Reactivate")
    assert "Mark as a leaver" in back.button_labels()
    assert await visits.make_link(sample_hub, PAT, limit=False)


async def test_a_prevent_manager_is_put_off_and_on_duty(sample_hub, sign_in):
    ada = await sign_in(ADA)
    sam_id = (await person(sample_hub, "sam@example.org")).id
    page = await ada.get(f"/hub/directory/people/{sam_id}")
    off = await ada.press(page, "Off duty")
    assert "Off duty" in off.text and "On duty" in off.button_labels()
    assert not (await person(sample_hub, "sam@example.org")).on_duty
    on = await ada.press(off, "On duty")
    assert "Off duty" in on.button_labels()
    assert (await person(sample_hub, "sam@example.org")).on_duty
    pat = await ada.get(f"/hub/directory/people/{(await person(sample_hub, PAT)).id}")
    assert "On duty" not in pat.button_labels() and "Off duty" not in pat.button_labels()


async def test_the_audit_page_says_whether_the_chain_verifies(sample_hub, sign_in):
    ada = await sign_in(ADA)
    page = await ada.get("/hub/audit")
    assert page.status == 200 and "The audit chain verifies" in page.text
    assert "No seal file is configured" in page.text
    async with sample_hub.database.transaction() as session:
        first = await session.scalar(select(func.min(AuditEntry.id)))
        await session.execute(
            update(AuditEntry).where(AuditEntry.id == first).values(actor="someone@else.org")
        )
    broken = await ada.get("/hub/audit")
    assert "The audit chain does not verify" in broken.text and "verifies:" not in broken.text


async def test_the_audit_page_shows_the_last_seal(sample_hub, sign_in, tmp_path):
    seals = tmp_path / "seals.txt"
    async with sample_hub.unit() as uow:
        stamp = await seal(uow.session, uow.now)
    append_seal(seals, stamp)
    sample_hub.settings = dataclasses.replace(sample_hub.settings, audit_seal_file=str(seals))
    page = await (await sign_in(ADA)).get("/hub/audit")
    assert "matching the seals" in page.text
    assert stamp.head in page.text and "23 Nov 2026 09:00 UTC" in page.text


async def csrf_of(browser: Browser) -> str:
    return (await browser.get("/hub/")).forms[0].fields["csrf"]


async def test_only_the_administrator_may_see_or_change_the_directory(sample_hub, sign_in):
    pat_id = (await person(sample_hub, PAT)).id
    for email in ("alex@example.org", "priya@example.org"):
        other = await sign_in(email)
        home = await other.get("/hub/")
        assert not any(href.startswith(("/hub/directory", "/hub/audit")) for _, href in home.links)
        for path in ("/hub/directory", f"/hub/directory/people/{pat_id}", "/hub/audit"):
            assert (await other.get(path)).status == 404, (email, path)
        forged = await other.post(
            f"/hub/directory/people/{pat_id}/leaver",
            {"csrf": await csrf_of(other), "event": "forged"},
        )
        assert forged.status == 403 and "Only the hub's administrator" in forged.text
    assert (await person(sample_hub, PAT)).active
    async with sample_hub.unit() as uow:
        refused = list(
            await uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "action.refused")
                .order_by(AuditEntry.id)
            )
        )
    assert [(r.actor, r.summary["refused_action"]) for r in refused] == [
        ("alex@example.org", "directory.leaver"),
        ("priya@example.org", "directory.leaver"),
    ]


async def test_a_failing_address_shows_on_the_directory_until_the_administrator_clears_it(
    sample_hub, sign_in
):
    async with sample_hub.unit() as uow:
        jo = await uow.session.scalar(select(Person).where(Person.email == "jo@example.org"))
        jo.preferred_channel, jo.digests_by_email = "email", True
        await people.mark_email_failing(uow, jo.id, "550 <mailbox> unavailable")
        jo_id = jo.id
    ada = await sign_in(ADA)
    listed = await ada.get("/hub/directory")
    assert "Email failing since 23 Nov 2026: 550 <mailbox> unavailable" in listed.text
    assert "<mailbox>" not in listed.html  # escaped
    page = await ada.get(listed.link("Jo Retail"))
    assert "Preferred channel Email" in page.text and "Digests by email Yes" in page.text
    assert "Email failing since 23 Nov 2026: 550 <mailbox> unavailable" in page.text

    other = await sign_in("jamie@example.org")
    forged = await other.post(
        f"/hub/directory/people/{jo_id}/email-works",
        {"csrf": await csrf_of(other), "event": "forged"},
    )
    assert forged.status == 403 and "Only the hub's administrator" in forged.text
    assert (await person(sample_hub, "jo@example.org")).email_failing_since is not None

    works = await ada.press(page, "Email works again")
    assert works.url.endswith(f"/hub/directory/people/{jo_id}")
    assert "Email failing" not in works.text and "Email works again" not in works.button_labels()
    cleared = await person(sample_hub, "jo@example.org")
    assert (cleared.email_failing_since, cleared.email_failing_reason) == (None, "")
    async with sample_hub.unit() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.action.in_(("directory.email_cleared", "action.refused"))
                )
            )
        )
    assert sorted(actions) == ["action.refused", "directory.email_cleared"]
