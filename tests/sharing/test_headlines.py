"""What an email may say of an information request: the kind, reference, asking organisation
and the deadline the data owner works to; nothing of the subject, requester or answers."""

from __future__ import annotations

from dataclasses import astuple

from bot.core.ports import Headline
from tests.conversation.test_conversations import REQUEST_ANSWERS
from tests.sharing.test_lifecycle import submit_request, the_request


async def test_a_request_s_headline_names_the_asking_organisation_and_its_decision_date(
    person, sample_hub
):
    reference = await submit_request(person("alex@example.org"))
    request = await the_request(sample_hub)
    async with sample_hub.unit() as uow:
        headline = await sample_hub.registry.headline(uow, reference)
    assert request.stage_due_on is not None
    assert headline == Headline(
        "Information request", reference, "Community Safety Team", request.stage_due_on
    )
    said = " ".join(str(part) for part in astuple(headline))
    for personal in ("Alex", "Morgan", "Avery", *REQUEST_ANSWERS[2:], *request.answers.values()):
        if isinstance(personal, str) and len(personal) > 3:
            assert personal not in said


async def test_an_unknown_request_has_no_headline(sample_hub):
    async with sample_hub.unit() as uow:
        assert await sample_hub.registry.headline(uow, "IR-2026-9999") is None
