"""What a data owner's liaison officer sees of a request: every answer they decide on.

DOMAIN.md section 3 lists the fields of a request; the owner's notice and `status IR-...` show
each of them, and the owner's queue lists what waits for their organisation.
"""

from __future__ import annotations

from dialogs.messages import Notice, Say
from tests.sharing.test_lifecycle import REFERENCE, notices, press, submit_request

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
    "Authoriser: Avery Signoff, Community Safety Manager (authorised it)",
]


async def test_the_owners_notice_shows_every_answer_they_decide_on(person, sample_hub):
    alex = person("alex@example.org")
    assert await submit_request(alex) == REFERENCE
    (new,) = await notices(sample_hub, "jordan@example.org", "information_request")
    assert new.payload["lines"][: len(EVERY_ANSWER) + 2] == [
        "Avery Signoff, Community Safety Manager authorised it.",
        *EVERY_ANSWER,
        "Decision due by: 07 Dec 2026",
    ]


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


async def test_my_queue_lists_requests_to_the_owners_organisation_oldest_first(
    person, sample_hub, clock
):
    alex, jordan, kim = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("kim@example.org"),
    )
    first = await submit_request(alex)
    clock.advance(days=1)
    second = await submit_request(alex)
    await jordan.send(press("acknowledge", first))

    (queue,) = await jordan.send("my queue")
    assert isinstance(queue, Notice) and queue.title == "Waiting for you"
    assert list(queue.lines) == [
        "Requests to your organisation (2), oldest first:",
        f"{first} to City Police from Alex Morgan (Community Safety Team), submitted 23 Nov: "
        "waiting for the data owner's decision, by 07 Dec 2026",
        f"{second} to City Police from Alex Morgan (Community Safety Team), submitted 24 Nov: "
        "waiting for the data owner to acknowledge it, by 25 Nov 2026",
        "Say status and a reference (e.g. status IR-2026-0001) to see one and act on it.",
    ]
    (deputy,) = await kim.send("requests to my organisation")
    assert deputy == queue  # Kim deputises for Jordan

    clock.advance(days=20)
    (late,) = await jordan.send("my queue")
    assert late.lines[2].endswith("by 25 Nov 2026 (overdue)")


async def test_a_queue_is_only_for_those_who_decide(person, sample_hub):
    alex, casey = person("alex@example.org"), person("casey@example.org")
    await submit_request(alex)
    assert await alex.send("my queue") == [
        Say("Nothing is waiting for you: there are no open requests waiting for you.")
    ]
    (housing,) = await casey.send("my queue")  # Housing's officer: the request is to City Police
    assert housing == Say(
        "Nothing is waiting for you: there are no open requests to your organisation."
    )


async def test_my_requests_points_a_data_owner_to_their_queue(person, sample_hub):
    (said,) = await person("jordan@example.org").send("my requests")
    assert said == Say(
        "You haven't made any information requests yet. Say 'request information'. "
        "Requests to your organisation: say 'my queue'."
    )


async def test_a_challenge_reviewer_finds_the_challenge_in_their_queue(person, sample_hub, clock):
    alex, jordan, dana = (
        person("alex@example.org"),
        person("jordan@example.org"),
        person("dana@example.org"),
    )
    await submit_request(alex)
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The call logs name neighbours", "confirm")
    await alex.send(press("challenge"))
    await alex.say("Redact the neighbours' names", "confirm")

    (queue,) = await dana.send("my queue")
    assert list(queue.lines[:2]) == [
        "Challenges for you to answer (1):",
        f"{REFERENCE} to City Police from Alex Morgan (Community Safety Team), submitted 23 Nov: "
        "waiting for the answer to the challenge, by 30 Nov 2026",
    ]


async def test_an_authoriser_finds_what_waits_for_them_in_their_queue(person, sample_hub):
    alex, avery = person("alex@example.org"), person("avery@example.org")
    await submit_request(alex, authorised=False)
    (queue,) = await avery.send("my queue")
    assert list(queue.lines[:2]) == [
        "Waiting for your authorisation (1):",
        f"{REFERENCE} to City Police from Alex Morgan (Community Safety Team), submitted 23 Nov: "
        "waiting for the authoriser to authorise it, by 24 Nov 2026",
    ]
    (jordan_queue,) = await person("jordan@example.org").send("my queue")
    assert jordan_queue == Say(
        "Nothing is waiting for you: there are no open requests to your organisation."
    )


async def test_help_tells_an_authoriser_where_their_requests_wait(person, sample_hub):
    (help_text,) = await person("avery@example.org").send("help")
    assert "authorisers: 'my queue' lists requests waiting for your authorisation" in (
        help_text.text
    )
    (staff,) = await person("alex@example.org").send("help")
    assert "authorise IR-2026-0001" not in staff.text
