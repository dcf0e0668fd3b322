"""The Block Kit renderer and modal builder on their own: escaping, limits, action ids."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.app import REGISTRY
from bot.channels.slack import actions, modal
from bot.channels.slack.markup import chunks, escape, unescape
from bot.channels.slack.render import SlackMessage, render, render_notice
from bot.recommendations.changes import coordinator_notice
from bot.recommendations.forms.update import UpdateKind
from bot.sharing.lifecycle import Party, notice_actions
from bot.sharing.lifecycle import RequestStatus as S
from dialogs.engine import FormContext
from dialogs.messages import (
    ActionInput,
    Ask,
    ChoiceInput,
    Command,
    CommandInput,
    Notice,
    NoticeAction,
    Option,
    Say,
    Summary,
    SummaryRow,
)
from storage.models import Person as DirectoryPerson
from storage.models import Recommendation

LONDON = ZoneInfo("Europe/London")


def test_escaping_makes_mentions_and_links_inert_and_round_trips():
    typed = "<!channel> <@U1> <http://x|y> & co"
    assert escape(typed) == "&lt;!channel&gt; &lt;@U1&gt; &lt;http://x|y&gt; &amp; co"
    assert unescape(escape(typed)) == typed


def test_long_text_is_split_without_breaking_an_escape():
    markup = escape("a&" * 2000)
    pieces = chunks(markup, 3000)
    assert all(len(p) <= 3000 for p in pieces) and "".join(pieces) == markup


def test_a_summary_longer_than_fifty_blocks_is_split_across_messages():
    rows = tuple(SummaryRow(f"f{i}", f"Field {i}", f"value {i}") for i in range(70))
    messages = render([Say("intro"), Summary("concern", "Visual-audit concern", rows)])
    assert [len(m.blocks) for m in messages] == [50, 24]
    assert messages[-1].blocks[-1]["type"] == "actions"
    edits = [b["accessory"]["value"] for m in messages for b in m.blocks if "accessory" in b]
    assert edits == [f"f{i}" for i in range(70)]


def test_a_notice_is_always_one_message_with_its_buttons_last():
    notice = Notice(
        kind="concern_alert",
        title="P1 concern CN-2026-0001 " + "x" * 200,
        lines=tuple(f"line {i} " + "y" * 2900 for i in range(60)),
        reference="CN-2026-0001",
        actions=(NoticeAction("concern.acknowledge", "Acknowledge", "CN-2026-0001", "primary"),),
    )
    message = render_notice(notice)
    assert len(message.blocks) == 50
    assert len(message.blocks[0]["text"]["text"]) <= 150
    (button,) = message.blocks[-1]["elements"]
    assert (button["action_id"], button["value"], button["style"]) == (
        "notice:concern.acknowledge:0",
        "CN-2026-0001",
        "primary",
    )


def test_choices_become_buttons_then_a_menu_and_presses_become_inputs():
    few = Ask("extent", "choice", "How much?", (Option("single", "One"), Option("several", "Some")))
    many = Ask("category", "choice", "Which?", tuple(Option(f"c{i}", f"C{i}") for i in range(8)))
    (one,) = render([few])
    (other,) = render([many])
    buttons = one.blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["answer:extent:0", "answer:extent:1"]
    assert other.blocks[-1]["elements"][0]["type"] == "static_select"
    pressed = actions.parse({"type": "button", "action_id": "answer:extent:1", "value": "several"})
    assert pressed is not None
    assert actions.to_input(pressed, {}, LONDON) == ChoiceInput("extent", "several")
    edit = actions.parse({"type": "button", "action_id": "command:edit:3", "value": "location"})
    assert actions.to_input(edit, {}, LONDON) == CommandInput(Command.EDIT, "location")


def test_malformed_action_ids_and_values_are_refused():
    assert actions.parse({"action_id": "answer:extent; drop table"}) is None
    assert actions.parse({"action_id": "somebody_elses_button"}) is None
    forged = actions.parse(
        {"type": "button", "action_id": "notice:concern.close:0", "value": "<x>"}
    )
    assert forged is not None and actions.to_input(forged, {}, LONDON) is None
    edit = actions.parse({"type": "button", "action_id": "command:edit:0", "value": "a b"})
    assert edit is not None and actions.to_input(edit, {}, LONDON) is None


def test_modal_text_inputs_carry_the_fields_length_limit():
    ctx = FormContext(now=datetime(2026, 11, 23, 9, 0, tzinfo=LONDON))
    view = modal.form_view(REGISTRY.forms["concern"], {}, ctx, modal.ModalMeta("concern", "D1"))
    limits = {
        b["block_id"]: b["element"].get("max_length")
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }
    assert limits == {"description": 1000, "location": 300}
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24


def test_a_summary_offers_no_edit_for_the_record_a_button_opened_the_form_about():
    rows = (SummaryRow("reference", "Request", "IR-2026-0001", editable=False),)
    rows += (SummaryRow("reasons", "Reasons", "Needed"),)
    (message,) = render([Summary("request_decision", "Decision record", rows)])
    edits = [b["accessory"]["value"] for b in message.blocks if "accessory" in b]
    assert edits == ["reasons"]


def test_summary_edit_buttons_say_which_answer_they_change():
    long = "Whether anyone was threatened with violence or harm in what was written or drawn there"
    rows = (
        SummaryRow("location", "Location", "Cheapside"),
        SummaryRow("cad_reference", "999 reference", "123"),
        SummaryRow("pnc", "PNC number", "1"),
        SummaryRow("threat", long, "No"),
    )
    (message,) = render([Summary("concern", "Visual-audit concern", rows)])
    texts = [b["accessory"]["text"]["text"] for b in message.blocks if "accessory" in b]
    assert texts[:3] == ["Edit location", "Edit 999 reference", "Edit PNC number"]
    assert texts[3] == "Edit whether anyone was threatened with violence or harm in what was…"


def test_long_titles_and_labels_are_cut_between_words_within_slacks_limits():
    title = "Your recommendations need an update " + "concerning the partnership " * 8
    label = "Redirect to another owner who holds the data in the partnership's shared record store"
    notice = Notice(
        "k", title, ("line",), "CN-2026-0001", (NoticeAction("x", label, "CN-2026-0001"),)
    )
    blocks = render_notice(notice).blocks
    header = blocks[0]["text"]["text"]
    (button,) = blocks[-1]["elements"]
    for text, limit, whole in ((header, 150, title), (button["text"]["text"], 75, label)):
        assert len(text) <= limit and text.endswith("…")
        kept = text.removesuffix("…")
        assert whole.startswith(kept) and whole[len(kept)] == " "
    many = Ask("place", "choice", "Where?", tuple(Option(f"p{i}", label) for i in range(8)))
    (menu,) = render([many])
    option = menu.blocks[-1]["elements"][0]["options"][0]["text"]["text"]
    assert option == "Redirect to another owner who holds the data in the partnership's shared…"


def pressed_inputs(blocks: list[dict]) -> list[ActionInput]:
    """Every notice action a person can reach in these blocks, as the press would read it."""
    found = []
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                presses = [element]
            else:
                presses = [
                    {**element, "selected_option": option} for option in element.get("options", [])
                ]
            for press in presses:
                parsed = actions.parse(press)
                assert parsed is not None and actions.offered(
                    {**press, "block_id": block["block_id"]}, blocks
                )
                found.append(actions.to_input(parsed, {}, LONDON))
    return found


def with_ids(blocks: list[dict]) -> list[dict]:
    """Blocks as Slack returns them, each with a block id; checked against slack_sdk's models."""
    for block in blocks:
        Block.parse(block).validate_json()
    return [{**b, "block_id": f"b{i}"} for i, b in enumerate(blocks)]


def test_a_notice_with_many_actions_gives_each_item_one_line_and_its_own_control():
    def acts(reference: str, *names: str) -> tuple[NoticeAction, ...]:
        return tuple(NoticeAction(f"rec.{n}", f"{reference} {n}", reference) for n in names)

    offered = (
        *acts("AB-1", "done", "progress", "blocked"),
        *acts("AB-2", "done", "progress", "blocked", "not_mine", "more_time", "snooze"),
        *acts("AB-3", "reassign"),
        *acts("AB-4", "verify", "reopen"),
    )
    lines = ("AB-1 Fix the gate: open.", "AB-2 Train staff: open.", "AB-3 Audit: late.", "Hint")
    message = render_notice(Notice("k", "Your recommendations", lines, "RN-2026-1", offered))
    blocks = with_ids(message.blocks)

    rows = [(b["text"]["text"], b["accessory"]["type"]) for b in blocks if "accessory" in b]
    assert rows == [
        ("AB-1 Fix the gate: open.", "overflow"),
        ("AB-2 Train staff: open.", "static_select"),
        ("AB-3 Audit: late.", "button"),
        ("AB-4", "overflow"),
    ]
    assert not [b for b in blocks if b["type"] == "actions"]
    first = blocks[1]["accessory"]["options"]
    assert [o["text"]["text"] for o in first] == ["Done", "Progress", "Blocked"]
    assert pressed_inputs(blocks) == [ActionInput(a.action, a.reference) for a in offered]


def test_items_beyond_one_message_share_a_last_menu_so_no_action_is_left_out():
    offered = tuple(
        NoticeAction(f"rec.{n}", f"AB-{i} {n}", f"AB-{i}") for i in range(60) for n in ("a", "b")
    )
    lines = tuple(f"AB-{i} item {i}" for i in range(60))
    message = render_notice(Notice("k", "Escalated", lines, "RE-2026-1", offered))
    blocks = with_ids(message.blocks)
    assert len(blocks) == 50 and blocks[-1]["type"] == "context"
    assert blocks[-2]["elements"][0]["options"][0]["text"]["text"] == "AB-47 a"
    assert sorted(pressed_inputs(blocks), key=str) == sorted(
        (ActionInput(a.action, a.reference) for a in offered), key=str
    )
    long_tail = (*lines[:48], *("z" * 2900 for _ in range(3)))
    message = render_notice(Notice("k", "Escalated", long_tail, "", offered[:96]))
    blocks = with_ids(message.blocks)
    assert len(blocks) == 50 and "left out" in blocks[-1]["elements"][0]["text"]
    assert pressed_inputs(blocks) == [ActionInput(a.action, a.reference) for a in offered[:96]]


def test_up_to_five_actions_or_actions_on_one_record_stay_one_row_of_buttons():
    few = tuple(NoticeAction(f"rec.{n}", n, f"AB-{n}") for n in "abcde")
    one_record = tuple(NoticeAction(f"concern.{n}", n, "CN-2026-0001") for n in "abcdefg")
    for offered in (few, one_record):
        blocks = with_ids(render_notice(Notice("k", "T", ("AB-a x",), "", offered)).blocks)
        assert [b["type"] for b in blocks] == ["header", "section", "actions"]
        assert [e["text"]["text"] for e in blocks[-1]["elements"]] == [a.label for a in offered]


def test_a_menu_pick_is_read_from_its_option_and_forged_picks_are_refused():
    def pick(action_id: str, value: object) -> ActionInput | None:
        option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        press = {"type": "overflow", "action_id": action_id, "selected_option": option}
        parsed = actions.parse(press)
        return None if parsed is None else actions.to_input(parsed, {}, LONDON)

    assert pick("notice:item:3", "request.approve IR-2026-0001") == ActionInput(
        "request.approve", "IR-2026-0001"
    )
    assert pick("notice:request.approve:3", "request.approve IR-2026-0001") is None
    assert pick("notice:item:3", "request.approve <IR-2026-0001>") is None
    assert pick("notice:item:3", "Request.approve IR-2026-0001") is None
    assert pick("notice:item:3", "request.approve") is None
    assert pick("notice:item:3", None) is None
    assert pick("notice:item:3", "request.approve IR-2026-0001 " + "x" * 200) is None


def styles(message: SlackMessage) -> dict[str, str | None]:
    """Each button's label and its style (None when plain)."""
    return {
        e["text"]["text"]: e.get("style")
        for b in message.blocks
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("type") == "button"
    }


def test_decision_buttons_do_not_lean_towards_an_answer():
    owner = frozenset({Party.OWNER})
    for status in (S.SUBMITTED, S.ACKNOWLEDGED, S.UNDER_REVIEW):
        offered = notice_actions("IR-2026-0001", status, owner)
        shown = styles(render_notice(Notice("r", "Request", ("x",), "IR-2026-0001", offered)))
        assert {"Approve", "Approve in part", "Decline"} <= set(shown)
        assert {label for label, style in shown.items() if style} <= {"Acknowledge"}
    reviewer = notice_actions("IR-2026-0001", S.CHALLENGED, frozenset({Party.REVIEWER}))
    shown = styles(render_notice(Notice("r", "Challenge", ("x",), "IR-2026-0001", reviewer)))
    assert shown == {"Uphold the challenge": None, "Reject the challenge": None}
    rec = Recommendation(reference="VUL-18", title="Pilot", due_date=date(2026, 12, 4))
    for kind in (UpdateKind.DONE, UpdateKind.EXTENSION):
        notice = coordinator_notice(rec, DirectoryPerson(name="Drew"), kind, "n", date(2027, 1, 8))
        assert set(styles(render_notice(notice)).values()) == {None}


def test_a_long_answer_in_a_summary_is_cut_between_words_never_inside_an_escape():
    answer = "Fish & chips " * 300  # escaped, far beyond a section's 3000 characters
    (message,) = render([Summary("concern", "Concern", (SummaryRow("d", "Description", answer),))])
    text = message.blocks[1]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("…")
    assert text.removesuffix("…").split()[-1] in ("Fish", "&amp;", "chips")
    assert text.count("&") == text.count("&amp;")
