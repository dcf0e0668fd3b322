"""Notices as emails that carry no personal data: built only from a record's headline, the
notice's kind and links to the web hub, never from the notice's title or lines.

A notice's title and lines can hold a subject's name or a description, and email leaves the
partnership's systems, so they are never read here; the one exception is a sign-in link, whose
first line is the link itself (checked to be one of this hub's). Every value that reaches a header
is cleaned of control characters (no header injection); the HTML escapes every value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import jinja2
from email_validator import EmailNotValidError, validate_email

from bot.core.ports import DeliveryFailed, Headline
from dialogs.messages import Notice

SIGN_IN_LINK = "sign_in_link"
SIGN_IN_PATH = "/hub/sign-in/link/"
# A record's reference (IR-2026-0007, VUL-01): letters, digits, dots and dashes, safe in a link
# and a subject; anything else is not named nor linked.
REFERENCE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,200}")
AFTER_SIGN_IN = re.compile(r"next=/hub(?:/[A-Za-z0-9%._~-]*)*")
"""Where a sign-in link lands once spent: a page of the hub (visits.link_url writes it)."""
LONGEST = 120  # characters of a headline value kept in an email

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class Wording:
    """How an email names a kind of notice: what the record is when no headline says, the
    subject, the sentence, and the hub page for a notice about no one record."""

    what: str
    subject: str
    sentence: str
    page: str = "/hub"
    elsewhere: tuple[str, str] = ("", "")
    """The subject and sentence when the hub cannot name one record (a nudge about several):
    the generic ones when empty. The link is then the kind's page, never a record page."""


# {thing} is "Information request IR-2026-0007 from Community Safety"; {due} is " by 10 December
# 2026" or "". A kind not listed gets the generic wording.
WORDINGS: dict[str, Wording] = {
    "information_request": Wording(
        "Information request",
        "{what} {reference} is waiting for your decision",
        "{thing} is waiting for your organisation's decision{due}.",
        "/hub/requests/queue",
    ),
    "request_authorisation": Wording(
        "Information request",
        "{what} {reference} is waiting for your authorisation",
        "{thing} is waiting for your authorisation{due}.",
        "/hub/requests/queue",
    ),
    "request_update": Wording(
        "Information request",
        "News on {what} {reference}",
        "There is news on {thing}.",
        "/hub/requests/register",
    ),
    "request_challenge": Wording(
        "Information request",
        "{what} {reference} has been challenged",
        "{thing} has been challenged and is waiting for your review{due}.",
        "/hub/requests/queue",
    ),
    "request_reminder": Wording(
        "Information request",
        "Reminder: {what} {reference}",
        "A reminder: {thing} is still waiting for you{due}.",
        "/hub/requests/queue",
    ),
    "request_deletion": Wording(
        "Information request",
        "Time to delete the information from {what} {reference}",
        "It is time to delete the information your organisation received through {thing}{due}.",
        "/hub/requests/register",
    ),
    "agreement_review": Wording(
        "Sharing agreement",
        "{what} {reference} is due for review",
        "{thing} is past its review date and needs a review.",
        "/hub/requests/agreements",
    ),
    "sharing_board_pack": Wording(
        "Board pack",
        "The information sharing board pack is ready",
        "The information sharing board pack is ready.",
        "/hub/requests/board-pack",
    ),
    "status": Wording("record", "News on {what} {reference}", "There is news on {thing}."),
    "concern_alert": Wording(
        "Concern",
        "{what} {reference} needs your attention",
        "{thing} needs your attention{due}.",
        "/hub/concerns",
    ),
    "concern_assigned": Wording(
        "Concern",
        "{what} {reference} is assigned to you",
        "{thing} has been assigned to you{due}.",
        "/hub/concerns",
    ),
    "removal_request": Wording(
        "Concern",
        "Removal requested: {what} {reference}",
        "Your organisation is asked to arrange a removal for {thing}{due}.",
        "/hub/concerns",
    ),
    "concern_question": Wording(
        "Concern",
        "A question about {what} {reference}",
        "There is a question for you about {thing}.",
    ),
    "concern_status": Wording("Concern", "News on {what} {reference}", "There is news on {thing}."),
    "concern_digest_daily": Wording(
        "Concerns",
        "Your daily summary of open concerns",
        "Your daily summary of open concerns is ready.",
        "/hub/concerns",
    ),
    "concern_digest_weekly": Wording(
        "Concerns",
        "Your weekly summary of open concerns",
        "Your weekly summary of open concerns is ready.",
        "/hub/concerns",
    ),
    "recommendation_nudge": Wording(
        "Recommendation",
        "{what} {reference} is waiting for your update",
        "{thing} is waiting for an update from you{due}.",
        "/hub",
        (
            "Your recommendations are waiting for your update",
            "Your recommendations are waiting for an update from you: they are on your home page.",
        ),
    ),
    "recommendation_escalation": Wording(
        "Recommendation",
        "{what} {reference} is overdue",
        "{thing} is past its due date and needs your attention.",
        "/hub",
        (
            "Recommendations are overdue",
            "Recommendations are past their due date and need your attention: open the hub.",
        ),
    ),
    "recommendation_decision": Wording(
        "Recommendation",
        "A decision on {what} {reference}",
        "There is a decision on {thing}.",
        "/hub/recommendations",
    ),
    "recommendation_digest": Wording(
        "Recommendations",
        "The recommendations progress report is ready",
        "The recommendations progress report is ready.",
        "/hub/recommendations/progress",
    ),
    "progress_report": Wording(
        "Recommendations",
        "The recommendations progress report is ready",
        "The recommendations progress report is ready.",
        "/hub/recommendations/progress",
    ),
    "directory.email_failing": Wording(
        "Directory",
        "An email address in the directory is failing",
        "A mail server refused an address in the directory: please check it.",
        "/hub/directory",
    ),
    "directory.leaver": Wording(
        "Directory",
        "Someone has left: open items need someone else",
        "Someone has left and their open items need someone else.",
        "/hub/directory",
    ),
    SIGN_IN_LINK: Wording(
        "Sign-in link",
        "Your Saferhub sign-in link",
        "Use this link to sign in to the Saferhub hub. It works once, for a short time. If you "
        "did not ask for it, you can ignore this email.",
    ),
}
# Updates an owner sends their coordinator (recommendation_done, _extension, _blocked...).
RECOMMENDATION_UPDATE = Wording(
    "Recommendation",
    "An update on {what} {reference}",
    "There is an update on {thing} for you to see.",
    "/hub/recommendations",
)
GENERIC = Wording(
    "record",
    "Something new about {what} {reference}",
    "There is something new for you in the Saferhub hub about {thing}.",
)
GENERIC_UNREFERENCED = Wording(
    "", "Something new for you in Saferhub", "There is something new for you in the Saferhub hub."
)


@dataclass(frozen=True)
class Email:
    """What one email says, before it becomes a message: every value already safe to show."""

    subject: str
    sentence: str
    link: str
    link_text: str


def wording(kind: str) -> Wording:
    """The wording for a notice kind (the generic one for a kind not listed)."""
    if kind in WORDINGS:
        return WORDINGS[kind]
    if kind.startswith("recommendation_"):
        return RECOMMENDATION_UPDATE
    return GENERIC


def compose(notice: Notice, headline: Headline | None, public_url: str) -> Email:
    """The email for `notice`, from its kind, the record's headline and links only.

    Raises DeliveryFailed (permanent) for a sign-in link that is not one of this hub's.
    """
    chosen = wording(notice.kind)
    if notice.kind == SIGN_IN_LINK:
        link = _sign_in_link(notice, public_url)
        return Email(chosen.subject, chosen.sentence, link, "Sign in to Saferhub")
    reference = linkable(headline.reference) if headline else ""
    if headline is None or not reference:  # a digest, or no record the hub can name: its page
        said = chosen if "{" not in chosen.sentence else GENERIC_UNREFERENCED
        subject, sentence = (
            chosen.elsewhere if chosen.elsewhere[0] else (said.subject, said.sentence)
        )
        return Email(subject, sentence, public_url + chosen.page, "Open the Saferhub hub")
    what = clean(headline.what) or chosen.what
    organisation = clean(headline.organisation)
    due = headline.due
    thing = f"{what} {reference}" + (f" from {organisation}" if organisation else "")
    sentence = chosen.sentence.format(thing=thing, due=f" by {long_date(due)}" if due else "")
    subject = chosen.subject.format(what=what, reference=reference)
    return Email(subject, sentence, f"{public_url}/hub/records/{reference}", f"Open {reference}")


def build(
    email: Email,
    *,
    to: str,
    sender: Address,
    outbox_id: int,
    now: datetime,
) -> EmailMessage:
    """The email as a message with a plain-text and an HTML part, headers cleaned.

    Raises DeliveryFailed (permanent) when `to` is not a valid address.
    """
    try:
        # An internationalised domain goes as punycode; a non-ASCII mailbox name would need
        # SMTPUTF8, which not every relay offers, so it is refused here.
        address = validate_email(to, check_deliverability=False).ascii_email
        if address is None:
            raise ValueError("a mailbox name that is not ASCII")
        recipient = Address(addr_spec=address)
    except (EmailNotValidError, ValueError) as error:
        raise DeliveryFailed("the recipient's address is not valid", permanent=True) from error
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = clean(email.subject)[:150]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(outbox_id, sender.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain_text(email))
    message.add_alternative(TEMPLATES.get_template("notice.html").render(email=email), "html")
    return message


def message_id(outbox_id: int, domain: str) -> str:
    """The Message-ID of an outbox row's email: the same on every retry, so a mail system that
    got it twice can tell."""
    return f"<saferhub-outbox-{outbox_id}@{domain}>"


def plain_text(email: Email) -> str:
    """The plain-text part."""
    return (
        f"Hello,\n\n{email.sentence}\n\n{email.link_text}:\n{email.link}\n\n"
        "You are getting this email because your organisation is a Saferhub partner. "
        "Replies to this address are not read.\n"
    )


def clean(value: str) -> str:
    """`value` without control, format or line-separator characters, spaces collapsed, cut to
    a sensible length: safe in a header and a sentence."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Zl", "Zp") or c in "\t\r\n" else c
        for c in value
        if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn") or c in "\t\r\n"
    )
    return " ".join(kept.split())[:LONGEST]


def linkable(reference: str) -> str:
    """`reference` when it looks like one of the domains' references (safe in a URL and a
    subject), else ""."""
    return reference if REFERENCE.fullmatch(reference) else ""


def long_date(day: date) -> str:
    """10 December 2026."""
    return f"{day.day} {day:%B %Y}"


def _sign_in_link(notice: Notice, public_url: str) -> str:
    prefix = public_url + SIGN_IN_PATH
    link = notice.lines[0] if notice.lines else ""
    token, _, after = link[len(prefix) :].partition("?")
    if (
        not link.startswith(prefix)
        or not TOKEN.fullmatch(token)
        or (after and not AFTER_SIGN_IN.fullmatch(after))
    ):
        raise DeliveryFailed("a sign-in link that is not this hub's", permanent=True)
    return link
