"""The coordinator's recommendations pages: the register, an item's page and its buttons, the CSV
import with its preview, and the progress chart; and who may not see them."""

from __future__ import annotations

import base64
import re
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.conversation.hub import Hub
from storage.models import AuditEntry, Recommendation, RecommendationUpdate
from tests.web.pages import Page

JAMIE = "jamie@example.org"  # partnership coordinator
DREW = "drew@example.org"  # staff; owns VUL-18 (in progress, due 13 Nov 2026: overdue) and DV-01
ALEX = "alex@example.org"  # staff, owns nothing
CHRIS = "chris@example.org"  # chair and board
DV = "Domestic violence workshop 2017-03"
HEADER = "reference,title,detail,source,theme,owner_email,owning_service,grade,due_date,status\n"
BAD = HEADER + (
    "VUL-34,Night-time economy welfare hub,,Vulnerability workshop 2016-12,process,"
    "nobody@example.org,Licensing,medium,2027-03-31,not_started\n"
    "VUL-35,Taxi marshal briefing,,Vulnerability workshop 2016-12,training,"
    "drew@example.org,Licensing,medium,31/02/2027,not_started\n"
)
GOOD = HEADER + (
    "VUL-34,Night-time economy welfare hub,,Vulnerability workshop 2016-12,process,"
    "drew@example.org,Adult Social Care,medium,31/03/2027,not_started\n"
    "DV-01,MARAC referral checklist shared with every partner,,Domestic violence workshop 2017-03,"
    "process,drew@example.org,Adult Social Care,medium,2026-12-11,in_progress\n"
)


def records_linked(page: Page) -> list[str]:
    """The references the page links to, in order."""
    return [label for label, href in page.links if "/hub/records/" in href]


def row_of(page: Page, reference: str) -> str:
    """The HTML of the register's row for `reference`."""
    return page.html.split(f'/records/{reference}"')[1].split("</tr>")[0]


def csrf_of(page: Page) -> str:
    return next(form.fields["csrf"] for form in page.forms if "csrf" in form.fields)


def upload(page: Page, name: str, content: str | bytes, **overrides: str) -> aiohttp.FormData:
    """The upload form of `page` sent with `content` as the chosen file."""
    form = page.form_with("Preview the import")
    data = aiohttp.FormData()
    for key, value in {**form.fields, **overrides}.items():
        data.add_field(key, value)
    raw = content.encode() if isinstance(content, str) else content
    data.add_field("register", raw, filename=name, content_type="text/csv")
    return data


async def item(hub: Hub, reference: str) -> Recommendation:
    async with hub.unit() as uow:
        found = await uow.session.scalar(
            select(Recommendation).where(Recommendation.reference == reference)
        )
        assert found is not None
        return found


async def audited(hub: Hub, action: str, **where: Any) -> list[AuditEntry]:
    async with hub.unit() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [row for row in rows if all(row.summary.get(k) == v for k, v in where.items())]


async def count_items(hub: Hub) -> int:
    async with hub.unit() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Recommendation)))


async def test_a_coordinator_sees_the_register_overdue_first_and_filters_it(sign_in):
    jamie = await sign_in(JAMIE)
    home = await jamie.get("/hub/")
    register = await jamie.get(home.link("Recommendations"))
    assert register.status == 200 and register.h1 == "Recommendations register"
    listed = records_linked(register)
    assert len(listed) == 54
    assert listed[:2] == ["VUL-18", "DV-04"]  # due 13 and 20 Nov 2026: overdue, oldest first
    assert "54 of 54 recommendations" in register.text
    assert "Overdue" in row_of(register, "VUL-18") and "Overdue" in row_of(register, "DV-04")
    assert "Overdue" not in row_of(register, "DV-01")  # due 11 Dec 2026

    open_dv = await jamie.get(f"/hub/recommendations?source={DV}&status=open")
    shown = records_linked(open_dv)
    assert shown and all(ref.startswith("DV-") for ref in shown)
    assert "DV-03" not in shown  # closed (verified)
    assert shown[0] == "DV-04"

    drews = await jamie.get("/hub/recommendations?owner=drew@example.org&rag=red")
    assert records_linked(drews) == ["VUL-18"]
    nothing = await jamie.get("/hub/recommendations?status=withdrawn")
    assert records_linked(nothing) == [] and "No recommendations match" in nothing.text


async def test_an_owner_marks_their_item_done_on_its_page_and_the_coordinator_verifies_it(
    sample_hub, sign_in
):
    drew = await sign_in(DREW)
    page = await drew.get("/hub/records/VUL-18")
    assert page.status == 200 and "Commission a substance misuse outreach pilot" in page.text
    labels = page.button_labels()
    assert labels[:5] == ["Done", "Progress", "Blocked", "Not mine", "More time"]
    assert "Reassign" not in labels and "Verify and close" not in labels
    asked = await drew.press(page, "Done")
    assert asked.h1.startswith("Tell me more")
    check = await drew.submit(asked.form_with("Continue"), answer="The pilot is commissioned")
    assert check.h1 == "Check your answers before sending"
    done = await drew.press(check, "Confirm and send")
    assert done.h1 == "Done" and "VUL-18" in done.text
    rec = await item(sample_hub, "VUL-18")
    assert rec.status == "completed_pending_verification"

    jamie = await sign_in(JAMIE)
    page = await jamie.get("/hub/records/VUL-18")
    assert "Drew Carer" in page.text and "marked done: The pilot is commissioned" in page.text
    assert "Done" not in page.button_labels()  # Jamie does not own VUL-18
    verified = await jamie.press(page, "Verify and close")
    assert "VUL-18 is closed (verified)" in verified.text
    rec = await item(sample_hub, "VUL-18")
    assert rec.status == "closed_verified"
    assert [a.actor for a in await audited(sample_hub, "recommendation.verified")] == [JAMIE]
    page = await jamie.get("/hub/records/VUL-18")
    assert "verified and closed" in page.text and page.button_labels() == ["Sign out"]


async def test_a_coordinator_reassigns_an_item_from_its_page(sample_hub, sign_in):
    jamie = await sign_in(JAMIE)
    page = await jamie.get("/hub/records/VUL-13")
    assert "Reassign" in page.button_labels() and "Change" in page.button_labels()
    asked = await jamie.press(page, "Reassign")
    assert asked.h1.startswith("Who should own it?")
    reason = await jamie.submit(asked.form_with("Continue"), answer="pat@example.org")
    check = await jamie.submit(reason.form_with("Continue"), answer="Housing leads the review")
    done = await jamie.press(check, "Confirm and send")
    assert done.h1 == "Done" and "now with Pat Homes" in done.text
    rec = await item(sample_hub, "VUL-13")
    assert rec.owner is not None and rec.owner.email == "pat@example.org"
    async with sample_hub.unit() as uow:
        last = await uow.session.scalar(
            select(RecommendationUpdate)
            .where(RecommendationUpdate.recommendation_id == rec.id)
            .order_by(RecommendationUpdate.id.desc())
        )
    assert last is not None and last.kind == "reassigned"


async def test_a_file_with_errors_shows_them_by_line_and_writes_nothing_then_a_good_one_applies(
    sample_hub, sign_in
):
    jamie = await sign_in(JAMIE)
    form = await jamie.get("/hub/recommendations/import")
    assert form.status == 200
    before = await count_items(sample_hub)
    bad = await jamie.post("/hub/recommendations/import/preview", upload(form, "bad.csv", BAD))
    assert bad.status == 400
    assert "line 2: owner 'nobody@example.org' is not in the directory" in bad.text
    assert "line 3: due_date '31/02/2027' is not a date" in bad.text
    assert "Apply the import" not in bad.button_labels()
    assert await count_items(sample_hub) == before

    good = await jamie.post("/hub/recommendations/import/preview", upload(form, "good.csv", GOOD))
    assert good.status == 200 and "1 new, 1 already in the register" in good.text
    assert await count_items(sample_hub) == before  # a preview writes nothing
    applied = await jamie.press(good, "Apply the import")
    assert applied.h1 == "Register imported" and "1 added, 1 updated" in applied.text
    assert await count_items(sample_hub) == before + 1
    new = await item(sample_hub, "VUL-34")
    assert new.owner is not None and new.owner.email == DREW and str(new.due_date) == "2027-03-31"
    assert (await item(sample_hub, "DV-01")).title.endswith("with every partner")
    imports = await audited(sample_hub, "recommendations.import", added=1, updated=1)
    assert [a.actor for a in imports] == [JAMIE]


async def test_a_file_changed_between_preview_and_apply_is_refused_whole(sample_hub, sign_in):
    jamie = await sign_in(JAMIE)
    good = await jamie.post(
        "/hub/recommendations/import/preview",
        upload(await jamie.get("/hub/recommendations/import"), "good.csv", GOOD),
    )
    form = good.form_with("Apply the import")
    swapped = base64.b64encode(BAD.encode()).decode()
    refused = await jamie.submit(form, "Apply the import", content=swapped)
    assert refused.status == 400 and "line 2: owner 'nobody@example.org'" in refused.text
    assert (await item(sample_hub, "DV-01")).title.endswith("with all partners")


async def test_staff_get_not_found_on_the_coordinators_pages(sign_in):
    alex = await sign_in(ALEX)
    home = await alex.get("/hub/")
    assert "Recommendations" not in [label for label, _ in home.links]
    for path in ("", "/progress", "/import"):
        page = await alex.get(f"/hub/recommendations{path}")
        assert page.status == 404, path


async def test_the_chair_sees_the_register_and_the_chart_but_cannot_import(sign_in):
    chris = await sign_in(CHRIS)
    register = await chris.get("/hub/recommendations")
    assert register.status == 200 and "Import the register" not in register.text
    assert (await chris.get("/hub/recommendations/import")).status == 404
    page = await chris.get("/hub/records/VUL-29")
    assert page.button_labels() == ["Sign out"]  # the chair sees items but does not manage them


async def test_the_progress_chart_is_an_image_with_the_same_figures_as_a_table(sign_in):
    jamie = await sign_in(JAMIE)
    page = await jamie.get("/hub/recommendations/progress")
    assert page.status == 200
    image = re.search(
        r'<img class="hub-chart" src="data:image/png;base64,([^"]+)" alt="([^"]+)"', page.html
    )
    assert image is not None
    assert base64.b64decode(image[1]).startswith(b"\x89PNG")
    assert "Vulnerability workshop 2016-12: " in image[2]
    row = re.search(r"<th [^>]*>Domestic violence workshop 2017-03</th>(.*?)</tr>", page.html, re.S)
    assert row is not None
    figures = re.findall(r">(\d+)<", row[1])
    assert figures[0] == "21"  # all the workshop's items
    assert "All sources" in page.text


async def test_a_forged_import_by_staff_is_refused_and_audited(sample_hub, sign_in):
    alex = await sign_in(ALEX)
    home = await alex.get("/hub/")
    csrf = csrf_of(home)
    data = aiohttp.FormData()
    data.add_field("csrf", csrf)
    data.add_field("event", "forged")
    data.add_field("register", GOOD.encode(), filename="good.csv", content_type="text/csv")
    preview = await alex.post("/hub/recommendations/import/preview", data)
    assert preview.status == 403 and "Only a partnership coordinator" in preview.text
    content = base64.b64encode(GOOD.encode()).decode()
    applied = await alex.post(
        "/hub/recommendations/import/apply", {"csrf": csrf, "event": "forged-2", "content": content}
    )
    assert applied.status == 403
    assert await count_items(sample_hub) == 54
    refusals = await audited(sample_hub, "action.refused", refused_action="recommendations.import")
    assert [a.actor for a in refusals] == [ALEX, ALEX]
    assert not await audited(sample_hub, "recommendations.import", added=1)
