"""Information requests on the web: a data owner's queue and decision, the register with its
downloads, the board pack and the agreements, and who may see them."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import select

from storage.models import AuditEntry, InformationRequest, RequestDecision
from tests.conftest import Person
from tests.sharing.test_challenges import declined_and_challenged
from tests.sharing.test_lifecycle import REFERENCE, notices, submit_request
from tests.web.conftest import later


async def answer(browser, page, value: str):  # type: ignore[no-untyped-def]
    """Answer the question on `page` (a choice by its value, else text) and continue."""
    return await browser.press(page, "Continue", answer=value)


async def the_request(hub) -> InformationRequest:  # type: ignore[no-untyped-def]
    async with hub.database.transaction() as session:
        return await session.scalar(
            select(InformationRequest).where(InformationRequest.reference == REFERENCE)
        )


async def audited(hub, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with hub.database.transaction() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def test_a_data_owner_declines_a_request_from_their_queue(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"))
    jordan = await sign_in("jordan@example.org")
    home = await jordan.get("/hub/")
    queue = await jordan.get(home.link("Requests to decide"))
    assert queue.status == 200 and queue.h1 == "Requests to decide"
    assert "Alex Morgan (Community Safety Team)" in queue.text
    assert "The data owner to acknowledge it" in queue.text and "24 Nov 2026" in queue.text
    record = await jordan.get(queue.link(REFERENCE))
    assert record.status == 200
    assert "Data wanted" in record.text and "Suggested basis in plain words" in record.text
    assert record.button_labels()[:6] == [
        "Acknowledge",
        "Ask for more information",
        "Approve",
        "Approve in part",
        "Decline",
        "Redirect to another owner",
    ]
    reason = await jordan.press(record, "Decline")
    assert reason.status == 200 and "reason" in reason.h1.lower(), reason.text
    explain = await answer(jordan, reason, "too_vague")
    check = await answer(jordan, explain, "Please name the addresses you need")
    assert check.h1 == "Check your answers before sending", check.text
    assert "Too vague (trawling)" in check.text
    done = await jordan.press(check, "Confirm and send")
    assert done.status == 200, done.text

    request = await the_request(sample_hub)
    assert request.status == "declined"
    async with sample_hub.database.transaction() as session:
        decision = await session.scalar(
            select(RequestDecision).where(RequestDecision.request_id == request.id)
        )
    assert decision.decline_reason == "too_vague"
    (declined,) = await audited(sample_hub, "request.decline")
    assert declined.actor == "jordan@example.org" and declined.record_reference == REFERENCE
    (told,) = await notices(sample_hub, "alex@example.org", "request_update")
    assert told.status == "pending" and told.record_reference == REFERENCE
    assert "Decision: declined by Jordan Test" in " ".join(told.payload["lines"])
    assert "Reason: Too vague (trawling)" in told.payload["lines"]
    after = await jordan.get("/hub/requests/queue")  # it stays until the challenge window ends
    assert "A challenge, if any (it closes after that)" in after.text


async def test_a_forged_action_changes_nothing_and_is_audited(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"))
    alex = await sign_in("alex@example.org")
    record = await alex.get(f"/hub/records/{REFERENCE}")
    assert "Approve" not in record.button_labels()
    form = record.form_with("Withdraw")
    refused = await alex.post(
        f"/hub/records/{REFERENCE}", {**form.fields, "action": "request.approve"}
    )
    assert refused.status == 200 and "you cannot approve it" in refused.text
    assert (await the_request(sample_hub)).status == "submitted"
    (entry,) = await audited(sample_hub, "action.refused")
    assert entry.actor == "alex@example.org"
    assert entry.summary["refused_action"] == "request.approve"


async def test_the_register_filters_and_downloads_for_the_board(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"))
    chris = await sign_in("chris@example.org")
    home = await chris.get("/hub/")
    page = await chris.get(home.link("Sharing register"))
    assert page.status == 200 and page.h1 == "Sharing register"
    assert REFERENCE in page.text
    chosen = await chris.get("/hub/requests/register?partner=City+Police&status=submitted")
    assert REFERENCE in chosen.text
    other = await chris.get("/hub/requests/register?partner=Housing+Services")
    assert REFERENCE not in other.text and "No requests match" in other.text
    decided = await chris.get("/hub/requests/register?status=declined")
    assert REFERENCE not in decided.text
    earlier = await chris.get("/hub/requests/register?month=2026-10")
    assert REFERENCE not in earlier.text
    this_month = await chris.get("/hub/requests/register?month=2026-11")
    assert REFERENCE in this_month.text
    wrong = await chris.get("/hub/requests/register?from=31/02/2026")
    assert wrong.status == 200 and "Enter a real date" in wrong.text

    async with chris.session.get(f"{chris.base}/hub/requests/register.csv?month=2026-11") as got:
        assert got.status == 200 and got.headers["Content-Type"].startswith("text/csv")
        text = (await got.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["reference"], r["data_owner"], r["status"]) for r in rows] == [
        (REFERENCE, "City Police", "submitted")
    ]
    async with chris.session.get(f"{chris.base}/hub/requests/register.xlsx") as got:
        assert got.status == 200
        book = openpyxl.load_workbook(io.BytesIO(await got.read()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    found = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert [r["reference"] for r in found] == [REFERENCE]
    assert found[0]["requester"] == "Alex Morgan"
    exported = await audited(sample_hub, "sharing.register_exported")
    assert [(e.actor, e.summary["format"]) for e in exported] == [
        ("chris@example.org", "csv"),
        ("chris@example.org", "xlsx"),
    ]


async def test_staff_cannot_see_the_register_board_pack_or_agreements(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    home = await alex.get("/hub/")
    assert not any(label in ("Sharing register", "Requests to decide") for label, _ in home.links)
    for path in (
        "/hub/requests/register",
        "/hub/requests/register.csv",
        "/hub/requests/register.xlsx",
        "/hub/requests/board-pack",
        "/hub/requests/agreements",
    ):
        page = await alex.get(path)
        assert page.status == 404, path
    assert await audited(sample_hub, "sharing.register_exported") == []


async def test_the_board_pack_prints_with_its_chart_for_the_board(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"))
    chris = await sign_in("chris@example.org")
    pack = await chris.get("/hub/requests/board-pack")
    assert pack.status == 200 and pack.h1 == "Board pack, November 2026"
    assert 'src="data:image/png;base64,' in pack.html
    assert 'alt="Bar chart of information requests received in November 2026' in pack.html
    assert "City Police 1 (open 1)" in pack.html
    assert "1 received" in pack.text
    october = await chris.get("/hub/requests/board-pack?month=2026-10")
    assert october.h1 == "Board pack, October 2026" and "data:image/png" not in october.html
    wrong = await chris.get("/hub/requests/board-pack?month=November")
    assert wrong.status == 200 and "Enter a month" in wrong.text


async def test_agreements_show_parties_purposes_and_review_dates(sample_hub, sign_in):
    robin = await sign_in("robin@example.org")
    page = await robin.get("/hub/requests/agreements")
    assert page.status == 200 and page.h1 == "Sharing agreements"
    assert "ISA-2026-02" in page.text and "City Police" in page.text
    assert "Anti-social behaviour case" in page.text


async def test_an_authoriser_sees_what_waits_for_their_authorisation(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"), authorised=False)
    avery = await sign_in("avery@example.org")
    queue = await avery.get("/hub/requests/queue")
    assert REFERENCE in queue.text and "To authorise" in queue.text
    record = await avery.get(queue.link(REFERENCE))
    assert "Authorise" in record.button_labels()
    jordan = await sign_in("jordan@example.org")
    assert "Nothing is waiting for you" in (await jordan.get("/hub/requests/queue")).text


async def test_a_request_past_its_deadline_is_tagged_overdue_in_the_queue(sample_hub, sign_in):
    await submit_request(Person(sample_hub, "alex@example.org"))
    jordan = await sign_in("jordan@example.org")
    assert "Overdue" not in (await jordan.get("/hub/requests/queue")).text
    later(sample_hub, 3 * 24 * 60)  # Thursday: the acknowledgement was due on Tuesday
    kim = await sign_in("kim@example.org")  # Jordan's deputy sees it too
    queue = await kim.get("/hub/requests/queue")
    assert REFERENCE in queue.text and "24 Nov 2026 Overdue" in queue.text


async def test_a_challenge_reviewer_rejects_a_challenge_from_their_queue(
    sample_hub, sign_in, clock
):
    alex, jordan = Person(sample_hub, "alex@example.org"), Person(sample_hub, "jordan@example.org")
    await declined_and_challenged(alex, jordan, clock)
    dana = await sign_in("dana@example.org")
    queue = await dana.get((await dana.get("/hub/")).link("Requests to decide"))
    assert REFERENCE in queue.text and "Challenge to answer" in queue.text
    record = await dana.get(queue.link(REFERENCE))
    assert "Data wanted" not in record.text  # a reviewer sees the decision trail, not the subject
    assert record.button_labels()[:2] == ["Uphold the challenge", "Reject the challenge"]
    reasons = await dana.press(record, "Reject the challenge")
    check = await answer(dana, reasons, "Redaction would not protect the neighbours")
    assert check.h1 == "Check your answers before sending", check.text
    await dana.press(check, "Confirm and send")
    assert (await the_request(sample_hub)).status == "challenge_rejected"
    (entry,) = await audited(sample_hub, "request.reject_challenge")
    assert entry.actor == "dana@example.org"
    assert REFERENCE not in (await dana.get("/hub/requests/queue")).text
