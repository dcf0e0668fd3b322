"""The concern form as a modal: opened by the shortcut, updated as answers change, validated."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storage.models import Concern, DialogSession
from tests.channels.slack.conftest import TEAM, SlackHarness, buttons, text_of, user_of

SEEN = int(datetime(2026, 11, 23, 8, 0, tzinfo=UTC).timestamp())
IN_THREE_DAYS = int(datetime(2026, 11, 26, 8, 0, tzinfo=UTC).timestamp())
ANSWERS: dict[str, Any] = {
    "danger_now": "no",
    "about_person": "no",
    "category": "hate_sticker",
    "description": "Stickers saying 'go home' on the lamp posts",
    "location": "London Wall EC2Y 5DE",
    "location_type": "street_furniture",
    "seen_at": SEEN,
    "still_there": "yes",
    "extent": "several",
    "targets": ["race", "religion"],
    "threats": ["unsure"],
    "already_reported": "none",
}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """What Slack puts in `view.state.values` for an input element holding `value`."""
    kind = element["type"]
    options = {o["value"]: o for o in element.get("options", [])}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": options.get(value)}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [options[v] for v in value or []]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": value}
    return {"type": kind, "value": value}


def state_of(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            state = element_state(element, answers.get(block["block_id"]))
            values[block["block_id"]] = {element["action_id"]: state}
    return {"values": values}


def view_payload(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    return {
        **view,
        "team_id": TEAM,
        "app_id": "ASAFERHUB",
        "bot_id": "BBOT",
        "root_view_id": view["id"],
        "previous_view_id": None,
        "state": state_of(view, answers),
    }


async def open_by_shortcut(slack: SlackHarness, user: str, callback_id: str) -> dict[str, Any]:
    status, _ = await slack.interact(
        {
            "type": "shortcut",
            "token": "legacy-verification-token",
            "action_ts": "1795510800.100",
            "team": {"id": TEAM, "domain": "saferhub-test"},
            "user": user_of(user),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
        }
    )
    assert status == 200
    opened = slack.fake.called("views.open")
    assert opened, "the shortcut opened no modal"
    return slack.fake.views[max(slack.fake.views)]


async def change(
    slack: SlackHarness, user: str, view: dict[str, Any], field: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """Pick an answer in a dispatching input; the view as Slack shows it after views.update."""
    block = next(b for b in view["blocks"] if b.get("block_id") == field)
    element = block["element"]
    state = element_state(element, answers[field])
    updates = len(slack.fake.called("views.update"))
    status, _ = await slack.interact(
        {
            "type": "block_actions",
            "user": user_of(user),
            "api_app_id": "ASAFERHUB",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            "team": {"id": TEAM, "domain": "saferhub-test"},
            "is_enterprise_install": False,
            "view": view_payload(view, answers),
            "actions": [
                {
                    **state,
                    "action_id": element["action_id"],
                    "block_id": field,
                    "action_ts": "1795510801.000",
                }
            ],
        }
    )
    assert status == 200
    assert len(slack.fake.called("views.update")) == updates + 1
    return slack.fake.views[view["id"]]


async def submit(
    slack: SlackHarness, user: str, view: dict[str, Any], answers: dict[str, Any]
) -> tuple[int, str]:
    return await slack.interact(
        {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "saferhub-test"},
            "user": user_of(user),
            "api_app_id": "ASAFERHUB",
            "token": "legacy-verification-token",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            "view": view_payload(view, answers),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


async def count(hub, model) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_the_shortcut_opens_the_form_and_dependent_fields_appear(slack):
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    assert (
        view["callback_id"] == "saferhub_form" and view["title"]["text"] == "Visual-audit concern"
    )
    shown = block_ids(view)
    assert shown[:4] == ["danger_now", "about_person", "description", "category"]
    for later in ("targets", "cad_reference", "report_reference", "photos"):
        assert later not in shown
    assert "Next, in our direct message: Photos" in json.dumps(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["description"]["element"]["max_length"] == 1000
    assert inputs["category"]["dispatch_action"] is True

    updated = await change(slack, "UALEX", view, "category", ANSWERS)
    assert {"targets", "threats"} <= set(block_ids(updated))
    updated = await change(slack, "UALEX", updated, "danger_now", {**ANSWERS, "danger_now": "yes"})
    assert "cad_reference" in block_ids(updated) and "Call 999 now" in json.dumps(updated)


async def test_a_concern_through_the_modal_with_an_error_shown_in_it(slack):
    alex = slack.user("UALEX")
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    view = await change(slack, "UALEX", view, "category", ANSWERS)

    status, body = await submit(slack, "UALEX", view, {**ANSWERS, "seen_at": IN_THREE_DAYS})

    assert status == 200
    refused = json.loads(body)
    assert refused["response_action"] == "errors"
    assert "in the future" in refused["errors"]["seen_at"]
    assert await count(slack.hub, DialogSession) == 0 and alex.messages() == []

    status, body = await submit(slack, "UALEX", view, ANSWERS)

    assert (status, body) == (200, "")
    photos = alex.messages()[-1]
    assert "upload up to 4" in text_of(photos) and buttons(photos) == ["Skip"]
    summary = (await alex.press(photos, "Skip"))[-1]
    rows = text_of(summary)
    assert (
        "London Wall EC2Y 5DE" in rows
        and "Race, ethnicity or nationality, Religion or belief" in rows
    )
    done = await alex.press(summary, "Confirm")
    assert "CN-2026-0001" in text_of(done[-1])
    async with slack.hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.category == "hate_sticker" and concern.answers["names_target"] == "unsure"


async def test_a_person_answer_ends_the_modal_and_records_nothing(slack):
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    answers = {**ANSWERS, "about_person": "yes"}
    updated = await change(slack, "UALEX", view, "about_person", answers)
    assert block_ids(updated) == ["danger_now", "about_person"]

    status, body = await submit(slack, "UALEX", updated, answers)

    reply = json.loads(body)
    assert status == 200 and reply["response_action"] == "update"
    assert "Prevent" in json.dumps(reply["view"]) and "submit" not in reply["view"]
    assert await count(slack.hub, DialogSession) == 0


async def test_the_modal_offers_answers_already_given_in_the_dm(slack):
    alex = slack.user("UALEX")
    await alex.say("I saw hateful stickers on London Wall")
    view = await open_by_shortcut(slack, "UALEX", "log_concern")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["category"]["element"]["initial_option"]["value"] == "hate_sticker"
    assert inputs["location"]["element"]["initial_value"] == "London Wall"


async def test_another_conversation_in_the_dm_comes_first(slack):
    alex = slack.user("UALEX")
    await alex.say("report")
    view = await open_by_shortcut(slack, "UALEX", "request_information")
    assert "unfinished visual-audit concern" in json.dumps(view) and "submit" not in view


REQUEST: dict[str, Any] = {
    "risk_to_life": "no",
    "purpose_type": "asb",
    "purpose": "Repeated noise and threats on the Golden Lane estate",
    "identifiable": "yes",
    "people_count": "2",
    "vulnerability": "neither",
    "data_wanted": "Anti-social behaviour reports and call logs for two named residents",
    "date_range": "since 1 June 2026",
    "partner": "CITYPOL",
    "case_references": "",
    "special_category": "no",
    "necessity": "Needed for the ASB case panel; less would not identify the pattern",
    "prejudice": "yes",
    "urgency": "routine",
    "needed_by": "2026-12-18",
    "delivery": "secure_email",
    "retention": "2027-06-30",
    "authoriser": "",
    "declaration": "agree",
}


async def test_an_information_request_through_the_modal_ends_with_the_helper_in_the_dm(slack):
    alex = slack.user("UALEX")
    await slack.command("UALEX", "request")
    view = slack.fake.views[max(slack.fake.views)]
    assert "people_count" not in block_ids(view)
    view = await change(slack, "UALEX", view, "identifiable", REQUEST)
    assert {"people_count", "vulnerability", "prejudice"} <= set(block_ids(view))
    view = await change(slack, "UALEX", view, "partner", REQUEST)
    agreements = next(b for b in view["blocks"] if b.get("block_id") == "agreement")
    first_agreement = agreements["element"]["options"][0]["value"]
    assert first_agreement.startswith("ISA-")
    authorisers = next(b for b in view["blocks"] if b.get("block_id") == "authoriser")
    (avery,) = authorisers["element"]["options"]  # City Police needs one; CST has Avery
    assert avery["text"]["text"] == "Avery Signoff, Community Safety Manager"

    answers = {**REQUEST, "agreement": first_agreement, "authoriser": avery["value"]}
    status, body = await submit(slack, "UALEX", view, answers)

    assert (status, body) == (200, "")
    helper = alex.messages()[-1]
    assert "Suggested: Crime and Disorder Act 1998 s115" in text_of(helper)
    summary = (await alex.press(helper, "Use the suggestion"))[-1]
    assert "Check your information request" in text_of(summary)
    done = await alex.press(summary, "Confirm")
    assert "IR-2026-0001" in text_of(done[-1])
