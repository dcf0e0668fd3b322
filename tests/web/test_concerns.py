"""The Prevent manager's pages: the queue, a concern's page and its actions, the map, tension
areas and the export; nobody else sees them."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from bot.prevent.concerns import record_concern
from storage.models import AuditEntry, Concern, Person, TensionArea
from tests.conftest import concern_answers
from tests.web.conftest import later

URGENT = {"names_target": "yes", "location_type": "place_of_worship"}  # P1


def at(text: str) -> dict[str, object]:
    """A location answer of typed words."""
    return {"text": text, "postcode": None, "lat": None, "lon": None}


async def report(hub: Hub, email: str = "alex@example.org", **changes: object) -> str:
    """A concern recorded as the reporting form records it; its reference."""
    async with hub.unit() as uow:
        reporter = await uow.session.scalar(select(Person).where(Person.email == email))
        recorded = await record_concern(
            uow, reporter, concern_answers(**changes), platform="console"
        )
        return recorded.concern.reference


async def concern(hub: Hub, reference: str) -> Concern:
    async with hub.database.transaction() as session:
        return await session.scalar(select(Concern).where(Concern.reference == reference))


async def audited(hub: Hub, action: str, reference: str = "") -> int:
    async with hub.database.transaction() as session:
        query = select(func.count()).where(AuditEntry.action == action)
        if reference:
            query = query.where(AuditEntry.record_reference == reference)
        return await session.scalar(query)


def references(page_html: str) -> list[str]:
    """The concern references in the queue's table, in order."""
    body = page_html.split("<tbody", 1)[1] if "<tbody" in page_html else ""
    return re.findall(r">(CN-\d{4}-\d{4})</a></th>", body)


async def test_the_queue_puts_urgent_concerns_first_and_links_each_to_its_page(sample_hub, sign_in):
    routine = await report(sample_hub)
    urgent = await report(sample_hub, description="A swastika", location=at("Aldgate"), **URGENT)
    priya = await sign_in("priya@example.org")
    home = await priya.get("/hub/")
    assert ("Concerns", "/hub/concerns") in home.links and (
        "Map",
        "/hub/concerns/map",
    ) in home.links
    queue = await priya.get("/hub/concerns")
    assert queue.status == 200 and queue.h1 == "Concerns"
    assert references(queue.html) == [urgent, routine]
    opened = await priya.get(queue.link(urgent))
    assert opened.status == 200 and opened.h1.startswith(f"{urgent}: waiting")
    assert "P1 because names a person" in opened.text and "What was seen A swastika" in opened.text


async def test_acknowledge_on_the_concern_page_changes_it_and_is_audited(sample_hub, sign_in):
    reference = await report(sample_hub, **URGENT)
    priya = await sign_in("priya@example.org")
    opened = await priya.get(f"/hub/records/{reference}")
    labels = opened.button_labels()
    for label in ("Acknowledge", "Assign", "Refer", "Request removal", "Change priority"):
        assert label in labels
    assert {"Duplicate", "Close", "Ask the reporter"} <= set(labels)
    done = await priya.press(opened, "Acknowledge")
    assert done.status == 200
    assert (await concern(sample_hub, reference)).status == "acknowledged"
    assert await audited(sample_hub, "concern.acknowledged", reference) == 1
    again = await priya.get(f"/hub/records/{reference}")
    assert "Acknowledge" not in again.button_labels() and "Close" in again.button_labels()


async def test_a_forged_action_changes_nothing_and_is_audited(sample_hub, sign_in):
    reference = await report(sample_hub, **URGENT)
    priya = await sign_in("priya@example.org")
    opened = await priya.get(f"/hub/records/{reference}")
    form = opened.form_with("Acknowledge")
    await priya.post(
        form.action.removeprefix(priya.base), {**form.fields, "action": "concern.purge"}
    )
    assert (await concern(sample_hub, reference)).status == "new"
    assert await audited(sample_hub, "input.not_offered") == 1


async def test_a_reporter_sees_no_manager_buttons_on_their_concern(sample_hub, sign_in):
    reference = await report(sample_hub, **URGENT)
    alex = await sign_in("alex@example.org")
    mine = await alex.get(f"/hub/records/{reference}")
    assert mine.status == 200 and mine.button_labels() == ["Sign out"]
    forged = await alex.post(
        f"/hub/records/{reference}",
        {**mine.forms[0].fields, "action": "concern.acknowledge", "event": "forged-ack"},
    )
    assert forged.status == 200 and (await concern(sample_hub, reference)).status == "new"


async def test_filters_narrow_the_queue(sample_hub, sign_in):
    routine = await report(sample_hub)
    urgent = await report(sample_hub, location=at("Aldgate"), **URGENT)
    stickers = await report(sample_hub, category="hate_sticker")
    priya = await sign_in("priya@example.org")
    by_priority = await priya.get("/hub/concerns?priority=P1")
    assert references(by_priority.html) == [urgent]
    by_category = await priya.get("/hub/concerns?category=hate_sticker")
    assert references(by_category.html) == [stickers]
    later = await priya.get("/hub/concerns?from=2026-11-24")
    assert references(later.html) == [] and "No concerns match" in later.text
    today = await priya.get("/hub/concerns?from=2026-11-23&to=2026-11-23&status=open")
    assert set(references(today.html)) == {routine, urgent, stickers}
    wrong = await priya.get("/hub/concerns?from=23/11/2026")
    assert wrong.status == 200 and "Enter the from date as a real date" in wrong.text
    assert wrong.title.startswith("Error:")


async def test_the_area_filter_offers_the_gazetteer_areas(sample_hub, sign_in):
    cheapside = await report(sample_hub)
    await report(sample_hub, location=at("Aldgate"))
    priya = await sign_in("priya@example.org")
    queue = await priya.get("/hub/concerns")
    assert 'value="Cheapside"' in queue.html
    assert references((await priya.get("/hub/concerns?area=Cheapside")).html) == [cheapside]


async def test_staff_get_not_found_for_every_manager_page(sample_hub, sign_in):
    await report(sample_hub)
    alex = await sign_in("alex@example.org")
    home = await alex.get("/hub/")
    assert ("Concerns", "/hub/concerns") not in home.links
    for path in (
        "/hub/concerns",
        "/hub/concerns/map",
        "/hub/concerns/hotspots",
        "/hub/concerns/tension",
        "/hub/concerns/export.csv",
        "/hub/concerns/export.xlsx",
    ):
        page = await alex.get(path)
        assert page.status == 404 and page.h1 == "Page not found", path
    assert await audited(sample_hub, "concerns.exported") == 0


async def test_the_map_gives_each_placed_concern_a_marker_and_a_row(sample_hub, sign_in):
    placed = await report(sample_hub)
    unplaced = await report(sample_hub, location=at("behind the shops"))
    priya = await sign_in("priya@example.org")
    shown = await priya.get("/hub/concerns/map")
    assert shown.status == 200 and shown.h1 == "Map of concerns"
    data = re.search(
        r'<script type="application/json" id="concerns-data">(.*?)</script>', shown.html, re.S
    )
    assert data is not None
    markers = json.loads(data.group(1))
    assert [m["reference"] for m in markers] == [placed]
    assert markers[0]["lat"] == 51.5141 and markers[0]["lon"] == -0.0940
    assert markers[0]["url"] == f"/hub/records/{placed}"
    assert 'data-tiles=""' in shown.html  # no tile server unless one is configured
    assert "/hub/assets/map.js" in shown.html and "<script>" not in shown.html
    assert shown.link(placed) == f"/hub/records/{placed}"
    assert shown.link(unplaced) == f"/hub/records/{unplaced}"
    script = await priya.get("/hub/assets/map.js")
    assert script.status == 200 and "concerns-data" in script.text


async def test_a_manager_adds_a_tension_area_through_its_form_and_ends_it(sample_hub, sign_in):
    priya = await sign_in("priya@example.org")
    listing = await priya.get("/hub/concerns/tension")
    assert "No area is marked" in listing.text
    asked = await priya.press(listing, "Add a tension area")
    assert asked.h1 == "Which street or postcode area?"
    asked = await priya.press(asked, "Continue", answer="Cheapside")
    asked = await priya.press(asked, "Continue", answer="7")
    check = await priya.press(asked, "Continue", answer="After Saturday's march")
    assert check.h1 == "Check your answers before sending"
    done = await priya.press(check, "Confirm and send")
    assert "Cheapside is marked as elevated tension until 30 Nov 2026" in done.text
    area_page = await priya.get(done.link("See TA-1"))
    assert area_page.status == 200 and "After Saturday's march" in area_page.text
    assert "End it now" in area_page.button_labels()
    alex = await sign_in("alex@example.org")
    assert (await alex.get("/hub/records/TA-1")).status == 404
    listing = await priya.get("/hub/concerns/tension")
    assert "After Saturday's march" in listing.text
    ended = await priya.press(listing, "End")
    assert "Elevated tension on Cheapside has ended." in ended.text
    async with sample_hub.database.transaction() as session:
        area = await session.scalar(select(TensionArea))
    assert area.ends_at == sample_hub.clock.now()
    assert await audited(sample_hub, "tension.ended") == 1
    assert "No area is marked" in (await priya.get("/hub/concerns/tension")).text


async def test_the_export_downloads_what_the_command_exports_and_is_audited(sample_hub, sign_in):
    reference = await report(sample_hub, location=at("Outside Sam's flat, Cheapside"))
    priya = await sign_in("priya@example.org")
    async with priya.session.get(priya.base + "/hub/concerns/export.csv") as response:
        assert response.status == 200
        disposition = response.headers["Content-Disposition"]
        body = (await response.read()).decode("utf-8-sig")
    assert disposition.startswith("attachment;") and ".csv" in disposition
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["reference", "created_at", "seen_at"]
    assert "reporter" not in rows[0] and "location" not in rows[0]
    assert [r[0] for r in rows[1:]] == [reference]
    assert "Sam" not in body
    async with priya.session.get(priya.base + "/hub/concerns/export.xlsx") as response:
        assert response.status == 200 and (await response.read()).startswith(b"PK")
    assert await audited(sample_hub, "concerns.exported") == 2


async def test_the_hotspots_page_lists_the_busiest_places(sample_hub, sign_in):
    await report(sample_hub)
    await report(sample_hub)
    priya = await sign_in("priya@example.org")
    page = await priya.get("/hub/concerns/hotspots")
    assert page.status == 200 and "Cheapside 2 (2 Hate graffiti)" in page.text


async def test_the_reporter_gets_an_answer_button_while_the_teams_question_waits(
    sample_hub, sign_in
):
    reference = await report(sample_hub, **URGENT)
    priya = await sign_in("priya@example.org")
    asked = await priya.press(await priya.get(f"/hub/records/{reference}"), "Ask the reporter")
    check = await priya.press(asked, "Continue", answer="Which side of the bridge?")
    await priya.press(check, "Confirm and send")
    alex = await sign_in("alex@example.org")
    mine = await alex.get(f"/hub/records/{reference}")
    assert "Which side of the bridge?" in mine.text
    assert "Answer" in mine.button_labels() and "Acknowledge" not in mine.button_labels()
    check = await alex.press(await alex.press(mine, "Answer"), "Continue", answer="The north side")
    await alex.press(check, "Confirm and send")
    assert "Answer" not in (await alex.get(f"/hub/records/{reference}")).button_labels()


async def test_an_overdue_concern_comes_before_a_more_urgent_one_still_in_time(sample_hub, sign_in):
    late = await report(sample_hub)  # P3: to be acknowledged within five working days
    later(sample_hub, 9 * 24 * 60)
    in_time = await report(sample_hub, location=at("Aldgate"), targets=["race"])  # P2, due today
    priya = await sign_in("priya@example.org")
    queue = await priya.get("/hub/concerns")
    assert references(queue.html) == [late, in_time]
    assert queue.text.count("Overdue") == 1
