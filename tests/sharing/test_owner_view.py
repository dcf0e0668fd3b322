"""What a data owner's liaison officer sees of a request: every answer they decide on.

DOMAIN.md section 3 lists the fields of a request; the owner's notice and `status IR-...` show
each of them, and the owner's queue lists what waits for their organisation.
"""

from __future__ import annotations

from dialogs.messages import Notice
from tests.sharing.test_lifecycle import REFERENCE, notices, submit_request

EVERY_ANSWER = [
    "From: Alex Morgan, Project Officer (Community Safety Team)",
    "To: City Police",
    "Purpose: Anti-social behaviour case",
    "Purpose details: Repeated noise and threats on the Golden Lane estate",
    "About identifiable people: Yes",
    "How many people: 2",
    "Child or adult at risk: Neither",
    "Data wanted: Anti-social behaviour reports and call logs for two named residents",
    "Date range: since 1 June 2026",
    "Case references: none given",
    "Special-category or criminal data: No",
    "Why necessary: Needed for the ASB case panel; less would not identify the pattern",
    "Telling the subject would prejudice: Yes",
    "Lawful basis the requester relies on: Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)",
    "Sharing agreement: ISA-2026-02 Anti-social Behaviour Case Panel Agreement",
    "Urgency: Routine",
    "Needed by: 18 Dec 2026",
    "Delivery method: Secure email",
    "Delete by: 30 Jun 2027",
    "Authorising manager: none given",
]


async def test_the_owners_notice_shows_every_answer_they_decide_on(person, sample_hub):
    alex = person("alex@example.org")
    assert await submit_request(alex) == REFERENCE
    (new,) = await notices(sample_hub, "jordan@example.org", "information_request")
    assert new.payload["lines"] == [*EVERY_ANSWER, "Decision due by: 07 Dec 2026"]


async def test_status_shows_the_owner_the_same_answers(person, sample_hub):
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    (status,) = await jordan.send(f"status {REFERENCE}")
    assert isinstance(status, Notice)
    assert list(status.lines[: len(EVERY_ANSWER)]) == EVERY_ANSWER


async def test_the_helpers_suggestion_is_shown_beside_a_basis_the_requester_changed(
    person, sample_hub
):
    alex = person("alex@example.org")
    await submit_request(alex, basis="UK GDPR Art 6(1)(e) public task")
    (new,) = await notices(sample_hub, "jordan@example.org", "information_request")
    lines = new.payload["lines"]
    at = lines.index("Lawful basis the requester relies on: UK GDPR Art 6(1)(e) public task")
    assert lines[at + 1] == (
        "The helper suggested: Crime and Disorder Act 1998 s115 + UK GDPR Art 6(1)(e)"
    )
