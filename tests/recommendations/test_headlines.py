"""What an email may say of a register item: its reference, owning organisation and due date;
never its title, detail or owner."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

from bot.core.ports import Headline
from storage import records


async def test_a_recommendation_s_headline_names_the_owning_organisation_and_due_date(
    sample_hub,
):
    async with sample_hub.unit() as uow:
        headline = await sample_hub.registry.headline(uow, "VUL-04")
        item = await records.recommendation_by_reference(uow.session, "VUL-04")
        assert item is not None and item.owner is not None
        personal = (item.title, item.detail, item.owner.name, item.owner.email)
    assert headline == Headline(
        "Recommendation", "VUL-04", "Community Safety Team", date(2026, 12, 18)
    )
    said = " ".join(str(part) for part in astuple(headline))
    assert not [text for text in personal if text and text in said]


async def test_an_unknown_reference_has_no_headline(sample_hub):
    async with sample_hub.unit() as uow:
        assert await sample_hub.registry.headline(uow, "VUL-99") is None
        assert await sample_hub.registry.headline(uow, "NOPE") is None
