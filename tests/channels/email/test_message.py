"""Emails carry no personal data and nothing hostile gets through: built from the headline, the
notice's kind and links only, every header cleaned, every HTML value escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.email.message import WORDINGS, build, compose, plain_text
from bot.conversation import visits
from bot.core.ports import DeliveryFailed, Headline
from dialogs.messages import Notice
from tests.hostile import EXAMPLES, PROFILE, hostile_text

HUB = "https://hub.council.example"
SENDER = Address("Saferhub", addr_spec="saferhub@council.example")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PERSONAL = Notice(
    "information_request",
    "Information request IR-2026-0007 about Jo Bloggs",
    ("Jo Bloggs, 14 Acacia Avenue", "Seen shouting at a neighbour on Tuesday"),
    "IR-2026-0007",
)
HEADLINE = Headline("Information request", "IR-2026-0007", "Community Safety", date(2026, 12, 10))


def parsed(message: EmailMessage) -> EmailMessage:
    back = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(back, EmailMessage)
    return back


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body((subtype,))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def test_an_information_request_says_what_whose_and_by_when_and_links_to_the_record() -> None:
    email = compose(PERSONAL, HEADLINE, HUB)
    message = parsed(build(email, to="sam@partner.example", sender=SENDER, outbox_id=7, now=NOW))

    text = part(message, "plain")
    assert (
        "Information request IR-2026-0007 from Community Safety is waiting for your "
        "organisation's decision by 10 December 2026." in text
    )
    assert f"{HUB}/hub/records/IR-2026-0007" in text
    assert f'href="{HUB}/hub/records/IR-2026-0007"' in part(message, "html")
    assert message["Subject"] == "Information request IR-2026-0007 is waiting for your decision"
    assert message["Message-ID"] == "<saferhub-outbox-7@council.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["To"] == "sam@partner.example"
    assert message["From"] == "Saferhub <saferhub@council.example>"
    whole = message.as_string()
    for personal in ("Jo Bloggs", "Acacia", "shouting"):
        assert personal not in whole


def test_without_a_headline_no_record_is_named_and_the_link_is_the_kinds_page() -> None:
    email = compose(PERSONAL, None, HUB)
    assert email.sentence == "There is something new for you in the Saferhub hub."
    assert email.link == f"{HUB}/hub/requests/queue"
    nudge = compose(Notice("recommendation_nudge", "VUL-11", ("x",), "RN-2026-0007"), None, HUB)
    assert nudge.sentence.startswith("Your recommendations are waiting for an update from you")
    assert nudge.link == f"{HUB}/hub" and "RN-2026-0007" not in nudge.sentence
    assert nudge.subject == "Your recommendations are waiting for your update"


def test_a_notice_about_no_record_links_to_its_hub_page_or_the_hub() -> None:
    pack = compose(Notice("sharing_board_pack", "Board pack", ("12 requests",)), None, HUB)
    assert pack.link == f"{HUB}/hub/requests/board-pack"
    unknown = compose(Notice("something_new", "Jo Bloggs", ("x",)), None, HUB)
    assert unknown.sentence == "There is something new for you in the Saferhub hub."
    assert unknown.link == f"{HUB}/hub"


def test_an_unknown_kind_about_a_record_gets_the_generic_wording() -> None:
    headline = Headline("", "CN-2026-0042")
    email = compose(Notice("brand_new_kind", "Jo Bloggs", (), "CN-2026-0042"), headline, HUB)
    assert (
        email.sentence
        == "There is something new for you in the Saferhub hub about record CN-2026-0042."
    )
    assert email.link == f"{HUB}/hub/records/CN-2026-0042"


def test_a_sign_in_link_is_sent_only_when_it_is_this_hubs() -> None:
    for good in (
        f"{HUB}/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUv",
        visits.link_url(HUB, "AbCdEfGhIjKlMnOpQrStUv", "/hub/records/IR-2026-0007"),
    ):
        email = compose(Notice("sign_in_link", "Sign in", (good,)), None, HUB)
        assert email.link == good
        assert good in plain_text(email)
    for bad in (
        f"{HUB}/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUv?next=/elsewhere",
        "https://evil.example/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUv",
        f"{HUB}/hub/sign-in/link/short",
        f"{HUB}/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUv\r\nBcc: x@evil.example",
        f"{HUB}/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUv?next=https://evil.example",
    ):
        with pytest.raises(DeliveryFailed) as refused:
            compose(Notice("sign_in_link", "Sign in", (bad,)), None, HUB)
        assert refused.value.permanent
    with pytest.raises(DeliveryFailed):
        compose(Notice("sign_in_link", "Sign in", ()), None, HUB)


def test_an_address_that_is_not_one_is_refused_for_good() -> None:
    email = compose(PERSONAL, HEADLINE, HUB)
    for bad in (
        "",
        "not-an-address",
        "a@b.example\r\nBcc: x@evil.example",
        "a@b.example, c@d.example",
    ):
        with pytest.raises(DeliveryFailed) as refused:
            build(email, to=bad, sender=SENDER, outbox_id=1, now=NOW)
        assert refused.value.permanent


def test_an_international_domain_is_addressed_in_ascii_and_a_non_ascii_mailbox_is_refused() -> None:
    email = compose(PERSONAL, HEADLINE, HUB)
    message = build(email, to="sam@bücher.example", sender=SENDER, outbox_id=1, now=NOW)
    assert [a.addr_spec for a in message["To"].addresses] == ["sam@xn--bcher-kva.example"]
    with pytest.raises(DeliveryFailed):
        build(email, to="jösé@partner.example", sender=SENDER, outbox_id=1, now=NOW)


INJECTED = "x\r\nBcc: thief@evil.example\r\n\r\n<script>alert(1)</script>"


@pytest.mark.parametrize("field", ["what", "organisation", "reference", "kind"])
def test_no_header_can_be_injected_through_any_field(field: str) -> None:
    values = {
        "what": "Concern",
        "organisation": "Police",
        "reference": "CN-2026-0001",
        "kind": "concern_alert",
    }
    values[field] = INJECTED
    headline = Headline(values["what"], values["reference"], values["organisation"])
    notice = Notice(values["kind"], INJECTED, (INJECTED,), values["reference"])
    email = compose(notice, headline, HUB)
    message = parsed(
        build(
            email,
            to="sam@partner.example",
            sender=SENDER,
            outbox_id=3,
            now=NOW,
        )
    )

    assert message["Bcc"] is None
    assert sorted(message.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value), name
    assert "<script>" not in part(message, "html")
    assert [a.addr_spec for a in message["To"].addresses] == ["sam@partner.example"]


KINDS = st.sampled_from([*WORDINGS, "recommendation_done", "whatever"])
MARK = "PERSONAL-DATA-"


@settings(PROFILE, max_examples=EXAMPLES * 10)  # rendering is cheap: more examples
@given(
    kind=KINDS,
    what=hostile_text(),
    organisation=hostile_text(),
    reference=st.one_of(hostile_text(), st.just("IR-2026-0007")),
    title=hostile_text(),
    line=hostile_text(),
    due=st.none() | st.dates(),
)
def test_hostile_values_never_break_an_email_nor_reach_it_unescaped(
    kind: str,
    what: str,
    organisation: str,
    reference: str,
    title: str,
    line: str,
    due: date | None,
) -> None:
    notice = Notice(kind, MARK + title, (MARK + line,), reference)
    headline = Headline(what, reference, organisation, due)
    try:
        email = compose(notice, headline, HUB)
        message = build(email, to="sam@partner.example", sender=SENDER, outbox_id=9, now=NOW)
    except DeliveryFailed as refused:
        assert refused.permanent and kind == "sign_in_link"
        return
    raw = message.as_bytes()
    back = parsed(message)
    for header, value in back.items():
        assert "\r" not in str(value) and "\n" not in str(value), header
    html, text = part(back, "html"), part(back, "plain")
    assert MARK not in html and MARK not in text and MARK.encode() not in raw
    assert "<script" not in html and "<img" not in html
    assert len(back.get_all("To") or []) == 1
