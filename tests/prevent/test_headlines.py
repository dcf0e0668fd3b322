"""What an email may say of a concern: its reference and the removal's due date; never what
was seen, where, or who reported it."""

from __future__ import annotations

from dataclasses import astuple

from bot.core.ports import Headline
from tests.prevent.test_alerts import concern, report
from tests.prevent.test_removal import removal_asked


async def test_a_concern_s_headline_gives_the_removal_date_and_nothing_seen_or_who_saw_it(
    sample_hub, person
):
    reference = await removal_asked(sample_hub, person)
    asked = await concern(sample_hub, reference)
    async with sample_hub.unit() as uow:
        headline = await sample_hub.registry.headline(uow, reference)
        due = uow.calendar.local(asked.removal_due_at).date()
    assert headline == Headline("Visual-audit concern", reference, "", due)
    said = " ".join(str(part) for part in astuple(headline))
    for personal in (asked.description, asked.location_text, "Alex", "Morgan"):
        assert personal not in said


async def test_a_concern_with_no_removal_asked_has_no_due_date(sample_hub):
    cn = await report(sample_hub)
    async with sample_hub.unit() as uow:
        headline = await sample_hub.registry.headline(uow, cn.reference)
    assert headline == Headline("Visual-audit concern", cn.reference, "", None)


async def test_an_unknown_concern_has_no_headline(sample_hub):
    async with sample_hub.unit() as uow:
        assert await sample_hub.registry.headline(uow, "CN-2026-9999") is None
