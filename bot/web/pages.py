"""What every hub page shares: the layout, the signed-in visitor, redirects and sign-in cookies.

Page groups (concerns, requests, recommendations, directory, sign-in providers) import this, and
`site` assembles them; nothing here imports a page group.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup, escape
from multidict import MultiDictProxy

from bot.conversation import visits
from bot.conversation.hub import Hub
from bot.conversation.surfaces import Caller
from bot.conversation.visits import Visitor
from bot.core.reference import ITEM, RECORD
from bot.web.navigation import NavLink

log = logging.getLogger(__name__)

PREFIX = visits.HUB_PATH

COOKIE = "saferhub_session"

HUB_KEY = web.AppKey("web_hub", Hub)

SETTINGS_KEY = web.AppKey("web_secure", bool)

VISITOR = web.RequestKey("visitor", Visitor)

UNAVAILABLE = (
    "The hub's database is unavailable just now, so nothing could be shown or recorded. "
    "Please try again in a few minutes."
)

NOT_FOUND = "There is no such page, or you are not allowed to see it."

REFERENCE = RECORD.pattern + "|" + ITEM.pattern
NAV_KEY = web.AppKey("web_nav", tuple[NavLink, ...])
FORBIDDEN = (
    "This form has expired or did not come from the hub. Go back, reload the page and try again."
)


def secure_cookies(public_url: str) -> bool:
    """Cookies are Secure unless the hub is reached on loopback (a laptop, a test)."""
    host = urlsplit(public_url).hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def linked(text: str) -> Markup:
    """`text` escaped, with each record reference in it made a link to that record's page."""
    escaped = str(escape(text))
    return Markup(
        re.sub(
            REFERENCE,
            lambda m: (
                f'<a class="govuk-link" href="{PREFIX}/records/{quote(m[0].upper())}">{m[0]}</a>'
            ),
            escaped,
            flags=re.IGNORECASE,
        )
    )


def split_line(line: str) -> tuple[str, str]:
    """A notice line as (label, value) when it reads "Label: value", else ("", line)."""
    label, sep, value = line.partition(": ")
    if sep and 0 < len(label) <= 40 and not RECORD.search(label):
        return label, value
    return "", line


async def form_fields(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The request's form fields; 400 when the body cannot be read as a form (bad encoding,
    a broken multipart body), never a 500."""
    try:
        return await request.post()
    except (ValueError, UnicodeDecodeError, AssertionError) as error:
        log.info("a hub form could not be read: %s", type(error).__name__)
        raise web.HTTPBadRequest(
            text="That form could not be read. Go back and try again."
        ) from None


def same_token(sent: str, expected: str) -> bool:
    """Compare in constant time; any text may be sent, so compare its UTF-8 bytes."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode())


def see_other(to: str) -> web.Response:
    """A redirect after a POST (or to sign in), as a response rather than an exception."""
    return web.Response(status=303, headers={"Location": to})


def hub_of(request: web.Request) -> Hub:
    return request.config_dict[HUB_KEY]


def visitor_of(request: web.Request) -> Visitor:
    who = request.get(VISITOR)
    if not isinstance(who, Visitor):
        raise web.HTTPForbidden(text=FORBIDDEN)
    return who


def caller_of(request: web.Request) -> Caller:
    who = visitor_of(request)
    return Caller(who.address, who.email, who.name)


def page(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """A page in the hub's layout, with the visitor, the header links and a fresh event id."""
    who = request.get(VISITOR)
    visitor = who if isinstance(who, Visitor) else None
    full = {
        "visitor": visitor,
        "csrf": visitor.csrf if visitor else "",
        "event": secrets.token_urlsafe(16),
        "nav": nav_for(request, visitor),
        "prefix": PREFIX,
        "path": request.path,
        "notes": [],
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, full, status=status)
    return response


# -- signing in and out ---------------------------------------------------------------------------


def next_of(request: web.Request) -> str:
    """Where to go after signing in: a path in the hub, never another site."""
    return visits.safe_next(request.query.get("next", ""))


def enter(request: web.Request, entry: visits.Entry, to: str = f"{PREFIX}/") -> web.StreamResponse:
    """The session cookie and a redirect to `to` when `entry` has a token, else the refusal."""
    if not entry.token:
        return page(
            request,
            "message.html",
            {"heading": "You cannot sign in", "notes": [entry.refusal]},
            403,
        )
    response = see_other(to)
    response.set_cookie(
        COOKIE,
        entry.token,
        httponly=True,
        samesite="Lax",
        secure=request.config_dict[SETTINGS_KEY],
        path=PREFIX,
    )
    return response


def nav_for(request: web.Request, who: Visitor | None) -> list[tuple[str, str]]:
    """The header's links for what the visitor's roles let them see."""
    if who is None:
        return []
    links = request.config_dict[NAV_KEY]
    return [(link.label, PREFIX + link.path) for link in links if link.shown_to(who.roles)]
