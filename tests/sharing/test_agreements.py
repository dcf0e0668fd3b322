"""Agreements checked: only those the data owner is a party to, covering the purpose and not
past their review date are offered; the question says why any other is not; an agreement that
cannot be cited is refused at confirm with the reason, recorded nowhere but the audit log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from dialogs.messages import Ask, Completed, Say, Summary
from storage.models import AuditEntry, InformationRequest, SharingAgreement
from tests.conversation.test_conversations import REQUEST_ANSWERS
from tests.sharing.test_lifecycle import AUTHORISER

AFTER_PARTNER = ("skip", "no", "Needed for the panel; less would not do", "yes", "ok")
"""Case references, special data, why necessary, prejudice, the suggested lawful basis."""
REST = ("routine", "2026-12-18", "secure email", "2027-06-30", AUTHORISER, "I confirm")
"""Urgency to declaration; City Police needs an authoriser: Avery, Alex's."""


def prevent_case() -> list[str]:
    answers = list(REQUEST_ANSWERS)
    answers[1] = "prevent_channel"
    return answers


async def requests_made(hub) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(InformationRequest))


async def test_a_lapsed_or_unfitting_agreement_is_not_offered_and_the_question_says_why(person):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*prevent_case(), "City Police")
    asked = (await alex.say(*AFTER_PARTNER))[-1]
    assert isinstance(asked, Ask) and asked.field == "agreement"
    # The Prevent and Channel agreement covers the purpose but was due for review on 1 Oct 2026.
    assert [o.value for o in asked.options] == ["none"]
    assert (
        "ISA-2025-05 Prevent and Channel Panel Agreement has lapsed: its review date, "
        "01 Oct 2026, has passed"
    ) in asked.prompt
    assert "does not cover prevent / channel" in asked.prompt
    typed = (await alex.send("ISA-2025-05"))[-1]
    assert isinstance(typed, Ask) and typed.field == "agreement" and typed.error
    one_off = await alex.send("no agreement")
    assert any(isinstance(r, Say) and "One-off sharing" in r.text for r in one_off)


async def test_only_agreements_covering_the_purpose_are_offered(person):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "City Police")
    asked = (await alex.say(*AFTER_PARTNER))[-1]
    assert [o.value for o in asked.options] == ["ISA-2026-02", "ISA-2026-01", "none"]
    assert "ISA-2026-03 Safeguarding Children Information Sharing Agreement does not cover" in (
        asked.prompt
    )


async def test_an_agreement_the_new_owner_is_no_party_to_is_refused_at_confirm(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "City Police", *AFTER_PARTNER, "ISA-2026-02", *REST)
    assert isinstance(alex.last, Summary)
    await alex.say("edit data owner", "Victim Support")  # not a party to ISA-2026-02
    assert isinstance(alex.last, Summary)
    refused = await alex.send("confirm")
    assert not [r for r in refused if isinstance(r, Completed)]
    reason = (
        "Sharing agreement ISA-2026-02 does not name the data owner as a party. Pick another "
        "agreement, or record one-off sharing."
    )
    assert refused[-1] == Say(f"Nothing was sent. {reason} Please start the request again.")
    assert await requests_made(sample_hub) == 0
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "form.refused"))
    assert audit.actor == "alex@example.org" and reason in audit.summary["reason"]


async def test_an_agreement_that_lapses_before_confirm_is_refused(person, sample_hub):
    alex = person("alex@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS, "City Police", *AFTER_PARTNER, "ISA-2026-02", *REST)
    async with sample_hub.database.transaction() as session:
        agreement = await session.scalar(
            select(SharingAgreement).where(SharingAgreement.reference == "ISA-2026-02")
        )
        agreement.review_date = date(2026, 11, 20)
    refused = await alex.send("confirm")
    assert "ISA-2026-02 has lapsed: its review date, 20 Nov 2026, has passed" in refused[-1].text
    assert await requests_made(sample_hub) == 0
