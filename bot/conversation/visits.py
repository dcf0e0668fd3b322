"""Who is at the web hub: one-time sign-in links, sign-in by a verified email, and sessions.

Tokens are random and only their SHA-256 is stored, so a copy of the database signs nobody in.
A link is usable once, for LINK_VALID; a session ends after SESSION_IDLE without a request, or
at sign-out. Only people in the directory and active may sign in; every sign-in is audited.

A link may be asked for by email on the sign-in page: whoever asks is told the same, whether the
address is known or not and whether a limit (per address, per asking client) was reached.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, unquote

from email_validator import EmailNotValidError, validate_email

from bot.conversation.hub import Hub
from bot.core.seals import read_seals
from bot.core.unit import UnitOfWork
from dialogs.messages import Address, Notice, Platform
from storage import directory, web
from storage.audit import Seal, verify_chain
from storage.models import Person
from storage.outage import unreachable

T = TypeVar("T")
HUB_PATH = "/hub"
"""Where the web hub's pages are served; after signing in, nobody is sent outside it."""
HOME = f"{HUB_PATH}/"
LINK_VALID = timedelta(minutes=15)
SESSION_IDLE = timedelta(minutes=30)
LINKS_PER_HOUR = 5
ASKS_PER_HOUR = 10
"""How many emailed links one client (network address) may ask for in an hour, for any address."""
MAX_EMAIL = 320
SIGNED_IN = "web.signed_in"
LINK_MADE = "web.link_made"
LINK_NOT_SENT = "web.link_not_sent"
REFUSED = "web.sign_in_refused"
SIGN_IN_LINK = "sign_in_link"
LINK_TITLE = "Your link to sign in to Saferhub"
NOT_ALLOWED = (
    "You cannot sign in to the hub: your email address is not in the partnership's directory, "
    "or your account is no longer active. Ask your hub administrator if you think this is wrong."
)
LINK_SPENT = (
    "This sign-in link has expired or has already been used. Links work once, for 15 minutes. "
    "Ask for a new one."
)


@dataclass(frozen=True)
class Visitor:
    """A signed-in person at the web hub, as each request sees them."""

    person_id: int
    email: str
    name: str
    roles: frozenset[str]
    csrf: str

    @property
    def address(self) -> Address:
        """Their web conversation: one per person, whichever browser they use."""
        return Address(Platform.WEB, "hub", "web", str(self.person_id))


@dataclass(frozen=True)
class Entry:
    """The outcome of a sign-in: a session token for the cookie, or why there is none."""

    token: str = ""
    refusal: str = ""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_sign_in(person: Person | None) -> bool:
    return person is not None and person.in_directory and person.active


def safe_next(target: str) -> str:
    """`target` when it is a path in the hub, else the hub's home page: after signing in nobody
    is sent to another site, nor out of the hub by dot segments or backslashes."""
    path = unquote(target.partition("?")[0].partition("#")[0])
    inside = (
        target.startswith(HOME)
        and len(target) <= 2000
        and target.isascii()
        and target.isprintable()
        and "\\" not in path
        and not {".", ".."} & set(path.split("/"))
    )
    return target if inside else HOME


def link_url(public_url: str, token: str, next_path: str = "") -> str:
    """The address of a one-time sign-in link on the hub's public URL; once spent, it lands on
    `next_path` (the home page when that is empty or leads out of the hub)."""
    target = safe_next(next_path)
    after = "" if target == HOME else f"?next={quote(target, safe='/')}"
    return f"{public_url}{HUB_PATH}/sign-in/link/{token}{after}"


def email_format(text: str) -> str | None:
    """The email address typed, when it is written like one (its format only: nothing says
    whether anyone has it), else None."""
    typed = text.strip()
    if not typed or len(typed) > MAX_EMAIL:
        return None
    try:
        return validate_email(typed, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


async def make_link(hub: Hub, email: str, *, limit: bool = True) -> str | None:
    """A new one-time sign-in link's token for the person with `email`, or None when they may
    not sign in (or, with `limit`, asked for too many this hour)."""
    async with hub.unit() as uow:
        person = await directory.person_by_email(uow.session, email.strip())
        if person is None or not may_sign_in(person):
            return None
        return await _new_link(uow, person, limit=limit)


async def _new_link(uow: UnitOfWork, person: Person, *, limit: bool, **summary: str) -> str | None:
    if (
        limit
        and await web.links_since(uow.session, person.id, uow.now - timedelta(hours=1))
        >= LINKS_PER_HOUR
    ):
        return None
    token = secrets.token_urlsafe(32)
    await web.add_link(
        uow.session,
        person_id=person.id,
        token_hash=digest(token),
        now=uow.now,
        valid=LINK_VALID,
    )
    await uow.audit(person, LINK_MADE, **summary)
    return token


def client_digest(hub: Hub, client: str) -> str:
    """A keyed hash of a network address: enough to count a client's asks, and, unlike a plain
    hash of the few IPv4 addresses there are, not reversible by trying them all."""
    key = hub.settings.web_secret or hub.settings.audit_key or b"saferhub development key"
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


async def email_link(hub: Hub, email: str, client: str, next_path: str) -> None:
    """Queue an email with a one-time sign-in link, landing on `next_path`, for the person with
    `email` when they may sign in and neither they nor `client` (the asker's network address)
    asked too often this hour. Nothing is returned: the asker must not learn which it was.

    Only a keyed hash of `client` is kept; an unknown address is audited as unknown, never written.
    """
    async with hub.unit() as uow:
        client_hash = client_digest(hub, client)
        asked = await web.link_requests_since(
            uow.session, client_hash, uow.now - timedelta(hours=1)
        )
        await web.add_link_request(uow.session, client_hash=client_hash, now=uow.now)
        if asked >= ASKS_PER_HOUR:
            return  # the link_request rows are the record; an audit row each would flood it
        person = await directory.person_by_email(uow.session, email.strip())
        if person is None:
            await uow.audit(None, LINK_NOT_SENT, how="email", reason="an unknown address")
            return
        if not may_sign_in(person):
            await uow.audit(
                person, LINK_NOT_SENT, how="email", reason="not in the directory or inactive"
            )
            return
        token = await _new_link(uow, person, limit=True, how="email")
        if token is None:
            await uow.audit(person, LINK_NOT_SENT, how="email", reason="too many links this hour")
            return
        url = link_url(hub.settings.public_url, token, next_path)
        await uow.notify(
            person,
            Notice(SIGN_IN_LINK, LINK_TITLE, (url,)),
            dedupe_key=f"sign-in-link:{digest(token)}",
            via="email",
        )


async def enter_by_link(hub: Hub, token: str) -> Entry:
    """Spend a sign-in link and open a session for its person."""
    async with hub.unit() as uow:
        person_id = await web.use_link(uow.session, digest(token), uow.now)
        person = await uow.session.get(Person, person_id) if person_id is not None else None
        if person is None:
            await uow.audit(None, REFUSED, how="link", reason="expired, used or unknown")
            return Entry(refusal=LINK_SPENT)
        return await _enter(uow, person, "link")


async def enter_by_email(hub: Hub, email: str, how: str) -> Entry:
    """Open a session for the directory person with this email, which `how` (an identity
    provider) has verified."""
    async with hub.unit() as uow:
        person = await directory.person_by_email(uow.session, email.strip())
        if person is None:
            await uow.audit(None, REFUSED, how=how, reason="not in the directory")
            return Entry(refusal=NOT_ALLOWED)
        return await _enter(uow, person, how)


async def _enter(uow: UnitOfWork, person: Person, how: str) -> Entry:
    if not may_sign_in(person):
        await uow.audit(person, REFUSED, how=how, reason="not in the directory or inactive")
        return Entry(refusal=NOT_ALLOWED)
    token = secrets.token_urlsafe(32)
    await web.open_session(
        uow.session,
        person_id=person.id,
        token_hash=digest(token),
        csrf=secrets.token_urlsafe(32),
        now=uow.now,
    )
    await uow.audit(person, SIGNED_IN, how=how)
    return Entry(token=token)


async def visitor(hub: Hub, token: str) -> Visitor | None:
    """The signed-in person holding session `token`, or None (no such session, idle too long,
    or no longer allowed in)."""
    if not token:
        return None
    async with hub.unit() as uow:
        found = await web.live_session(uow.session, digest(token), uow.now, SESSION_IDLE)
        person = await uow.session.get(Person, found.person_id) if found is not None else None
        if found is None or person is None or not may_sign_in(person):
            return None
        return Visitor(
            person.id,
            person.email,
            person.name,
            frozenset(r.role for r in person.roles),
            found.csrf,
        )


async def leave(hub: Hub, token: str) -> None:
    """Sign out: end the session so its cookie is worthless, here and on every replica."""
    async with hub.unit() as uow:
        await web.end_session(uow.session, digest(token), uow.now)


async def as_visitor(
    hub: Hub, who: Visitor, query: Callable[[UnitOfWork, Person], Awaitable[T]]
) -> T:
    """Run a domain's read `query` for the signed-in person, in its own transaction."""
    async with hub.unit() as uow:
        person = await directory.person_by_email(uow.session, who.email)
        if person is None:
            raise LookupError("the signed-in person has left the directory")
        return await query(uow, person)


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database is unreachable (the page says so; nothing is lost)."""
    return unreachable(error)


@dataclass(frozen=True)
class AuditStatus:
    """Whether the audit chain is whole (as `saferhub audit verify` checks it, against the
    configured seal file's seals), and the last seal, for the administrator's page."""

    intact: bool
    rows: int
    broken_at: int | None = None
    reason: str = ""
    seal_file: str = ""
    """SAFERHUB_AUDIT_SEAL_FILE, or empty when no seal file is configured."""
    last_seal: Seal | None = None
    seal_problem: str = ""
    """Why the seal file could not be read (the chain is then checked without its seals)."""


async def audit_status(hub: Hub) -> AuditStatus:
    """Verify the audit chain, read-only, against the seals in the configured seal file."""
    path = hub.settings.audit_seal_file
    seals: list[Seal] = []
    problem = ""
    if path:
        try:
            seals = read_seals(Path(path)) if Path(path).exists() else []
        except (OSError, ValueError) as error:
            problem = str(error)
    async with hub.database.transaction() as session:
        check = await verify_chain(session, seals)
    return AuditStatus(
        check.ok,
        check.rows,
        check.broken_at,
        check.reason,
        path,
        seals[-1] if seals else None,
        problem,
    )
