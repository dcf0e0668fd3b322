"""Who sees what of an information request, role by role, through `status IR-...` in chat.

The subject's personal details (what the case is, what is wanted) reach only the requester and
the owner's liaison officers and their deputies. Partnership and review roles, and the
information-governance leads of the owner and of the requester's organisation, see the decision
trail; everyone else is answered as if the request did not exist.
"""

from __future__ import annotations

from sqlalchemy import select

from dialogs.messages import Notice, Say
from storage.models import AuditEntry, Partner, Person, PersonRole
from tests.sharing.test_lifecycle import REFERENCE, confirm, press, submit_request

PERSONAL = ("Golden Lane", "call logs for two named residents")
NOT_FOUND = Say("I can't find a record with that reference that you can see.")
OWNER_BUTTONS = [
    "Acknowledge",
    "Ask for more information",
    "Approve",
    "Approve in part",
    "Decline",
    "Redirect to another owner",
]

# email -> (sees the personal details, buttons offered); None: the request is not shown at all.
EXPECTED: dict[str, tuple[bool, list[str]] | None] = {
    "alex@example.org": (True, ["Withdraw"]),  # the requester
    "jordan@example.org": (True, OWNER_BUTTONS),  # City Police's liaison officer
    "kim@example.org": (True, OWNER_BUTTONS),  # his deputy
    "robin@example.org": None,  # Children's Services' information governance: not a party
    "admin@example.org": (False, []),
    "jamie@example.org": (False, []),  # coordinator
    "chris@example.org": (False, []),  # board
    "dana@example.org": (False, []),  # City Police's challenge reviewer
    "frankie@example.org": (False, []),  # City Police's DPO
    "casey@example.org": None,  # another partner's data owner
    "priya@example.org": None,  # Prevent manager
    "jo@example.org": None,  # staff elsewhere
}


def text_of(reply: Notice) -> str:
    return "\n".join((reply.title, *reply.lines))


async def test_status_shows_each_role_what_it_may_see(person, sample_hub):
    await submit_request(person("alex@example.org"))
    for email, expected in EXPECTED.items():
        reply = (await person(email).send(f"status {REFERENCE}"))[-1]
        if expected is None:
            assert reply == NOT_FOUND, email
            continue
        personal, buttons = expected
        assert isinstance(reply, Notice), email
        assert reply.title == "IR-2026-0001: submitted", email
        assert all((p in text_of(reply)) is personal for p in PERSONAL), email
        assert [a.label for a in reply.actions] == buttons, email
        assert "Waiting for the data owner to acknowledge it, by 24 Nov 2026" in reply.lines


async def test_information_governance_sees_its_own_organisations_trail_without_the_details(
    person, sample_hub
):
    async with sample_hub.database.transaction() as session:
        for code in ("CITYPOL", "CST", "HOUSING"):
            partner = await session.scalar(select(Partner).where(Partner.code == code))
            session.add(
                Person(
                    email=f"ig-{code.lower()}@example.org",
                    name=f"IG Lead {code}",
                    partner_id=partner.id,
                    roles=[PersonRole(role="information_governance")],
                )
            )
    await submit_request(person("alex@example.org"))
    for code in ("CITYPOL", "CST"):  # the data owner, the requester's organisation
        reply = (await person(f"ig-{code.lower()}@example.org").send(f"status {REFERENCE}"))[-1]
        assert isinstance(reply, Notice), code
        assert reply.title == "IR-2026-0001: submitted"
        assert not any(p in text_of(reply) for p in PERSONAL), code
        assert reply.actions == ()
    assert await person("ig-housing@example.org").send(f"status {REFERENCE}") == [NOT_FOUND]


async def test_a_challenge_reviewer_sees_the_trail_and_their_buttons_but_not_the_details(
    person, sample_hub
):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await submit_request(alex)
    await jordan.send(press("decline"))
    await jordan.say("Too vague (trawling)", "Please name the addresses")
    await confirm(jordan)
    await alex.send(press("challenge"))
    await alex.send("The addresses are in the case file")
    await confirm(alex)
    reply = (await dana.send(f"status {REFERENCE}"))[-1]
    assert isinstance(reply, Notice)
    text = text_of(reply)
    assert "Reason: Too vague (trawling)" in text
    assert "The addresses are in the case file" in text
    assert not any(p in text for p in PERSONAL)
    assert [a.label for a in reply.actions] == ["Uphold the challenge", "Reject the challenge"]
    assert [
        a.label
        for a in (await person("frankie@example.org").send("status IR-2026-0001"))[-1].actions
    ] == []  # the DPO answers only when the challenge reaches them


async def test_pressing_a_button_one_may_not_use_is_refused_and_changes_nothing(person, sample_hub):
    await submit_request(person("alex@example.org"))
    alex, casey, jamie = (
        person("alex@example.org"),
        person("casey@example.org"),
        person("jamie@example.org"),
    )
    assert await alex.send(press("approve")) == [
        Say(
            "You made IR-2026-0001, so you cannot approve it: that is for the data owner's "
            "liaison officers (or their deputies)."
        )
    ]
    assert await casey.send(press("acknowledge")) == [NOT_FOUND]  # forged: not theirs
    assert await jamie.send(press("acknowledge")) == [
        Say(
            "Only the data owner's liaison officers (or their deputies) can acknowledge IR-2026-0001."
        )
    ]
    assert (await alex.send(f"status {REFERENCE}"))[-1].title == "IR-2026-0001: submitted"
    async with sample_hub.database.transaction() as session:
        refused = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "action.refused")
                .order_by(AuditEntry.id)
            )
        )
    assert [(a.actor, a.summary["refused_action"]) for a in refused] == [
        ("alex@example.org", "request.approve"),
        ("casey@example.org", "request.acknowledge"),
        ("jamie@example.org", "request.acknowledge"),
    ]
