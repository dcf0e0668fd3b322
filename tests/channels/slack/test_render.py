"""The Block Kit renderer and modal builder on their own: escaping, limits, action ids."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import REGISTRY
from bot.channels.slack import actions, modal
from bot.channels.slack.markup import chunks, escape, unescape
from bot.channels.slack.render import render, render_notice
from dialogs.engine import FormContext
from dialogs.messages import (
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
