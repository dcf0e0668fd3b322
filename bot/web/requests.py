"""Information requests on the web: the queues of data owners, authorisers and reviewers, the register, the board pack, agreements.

A request itself is shown and decided on its record page (/hub/records/IR-...), whose buttons
run the same actions as the notices in chat; these pages list what waits and what was shared.
"""

from __future__ import annotations

import asyncio
import base64
import functools
from datetime import date, timedelta

from aiohttp import web

from bot.conversation import visits
from bot.conversation.visits import Visitor
from bot.core.charts import ChartsUnavailable
from bot.core.exports import ExportFormat
from bot.core.roles import Role
from bot.sharing import board_pack, queries, register
from bot.sharing.lifecycle import RequestStatus
from bot.web import pages
from bot.web.navigation import NavLink

QUEUE_ROLES = frozenset({Role.DATA_OWNER, Role.AUTHORISER, Role.CHALLENGE_REVIEWER})
NAV: tuple[NavLink, ...] = (
    NavLink("Requests to decide", "/requests/queue", QUEUE_ROLES),
    NavLink("Sharing register", "/requests/register", register.OVERSIGHT_ROLES),
)
"""The header's links to these pages, each for the roles that may see it."""
MEDIA = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BAD_DATE = "Enter a real date, for example 2026-11-01."
BAD_MONTH = "Enter a month as year and month, for example 2026-11."


def add_routes(app: web.Application) -> None:
    """Add these pages to the /hub application."""
    app.router.add_get("/requests/queue", queue)
    app.router.add_get("/requests/register", register_page)
    app.router.add_get("/requests/register.{fmt:csv|xlsx}", download)
    app.router.add_get("/requests/board-pack", pack_page)
    app.router.add_get("/requests/agreements", agreements)


def _overseer(request: web.Request) -> Visitor:
    """The visitor, if they oversee sharing; anyone else is told there is no such page."""
    who = pages.visitor_of(request)
    if not who.roles & register.OVERSIGHT_ROLES:
        raise web.HTTPNotFound()
    return who


async def queue(request: web.Request) -> web.Response:
    """What waits for the visitor: to authorise, to decide for the data owner, to review."""
    rows = await visits.as_visitor(
        pages.hub_of(request), pages.visitor_of(request), queries.queue_rows
    )
    return pages.page(request, "requests/queue.html", {"rows": rows})


def _date(raw: str, errors: dict[str, str], field: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[field] = BAD_DATE
        return None


def _month(raw: str, errors: dict[str, str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(f"{raw.strip()}-01")
    except ValueError:
        errors["month"] = BAD_MONTH
        return None


def _filter(request: web.Request, today: date) -> tuple[register.RegisterFilter, dict[str, str]]:
    """The register's filter from the query string, and what was wrong with it, by field.

    A month sets the whole range; else from and to (default: since the start of last month).
    """
    query = request.query
    errors: dict[str, str] = {}
    month = _month(query.get("month", ""), errors)
    since = _date(query.get("from", ""), errors, "from")
    until = _date(query.get("to", ""), errors, "to")
    if month is not None:
        since = month
        until = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
    status = query.get("status", "")
    if status and status not in tuple(RequestStatus):
        errors["status"] = "Choose a status from the list."
        status = ""
    return (
        register.RegisterFilter(
            since=since or board_pack.previous_month(today),
            until=until,
            partner=query.get("partner", "")[:200],
            status=status,
        ),
        errors,
    )


async def register_page(request: web.Request) -> web.Response:
    """The register, filtered by organisation, status and period."""
    who = _overseer(request)
    hub = pages.hub_of(request)
    wanted, errors = _filter(request, hub.calendar.local(hub.clock.now()).date())
    view = await visits.as_visitor(
        hub, who, functools.partial(register.filtered_register, wanted=wanted)
    )
    if view is None:
        raise web.HTTPNotFound()
    return pages.page(
        request,
        "requests/register.html",
        {
            "view": view,
            "wanted": wanted,
            "errors": errors,
            "error_title": bool(errors),
            "typed": {k: request.query.get(k, "")[:40] for k in ("month", "from", "to")},
            "query": request.query_string,
        },
    )


async def download(request: web.Request) -> web.StreamResponse:
    """The filtered register as the command line exports it, as CSV or XLSX."""
    who = _overseer(request)
    hub = pages.hub_of(request)
    fmt = ExportFormat(request.match_info["fmt"])
    wanted, _ = _filter(request, hub.calendar.local(hub.clock.now()).date())
    content = await visits.as_visitor(
        hub, who, functools.partial(register.download_register, wanted=wanted, fmt=fmt)
    )
    if content is None:
        raise web.HTTPNotFound()
    body = content.encode("utf-8-sig") if isinstance(content, str) else content
    name = f"sharing-register-{wanted.since:%Y-%m-%d}.{fmt.value}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": MEDIA[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


async def pack_page(request: web.Request) -> web.Response:
    """A month's board pack as a printable page, its chart drawn in, described in words."""
    who = _overseer(request)
    errors: dict[str, str] = {}
    month = _month(request.query.get("month", ""), errors)
    pack = await visits.as_visitor(
        pages.hub_of(request), who, functools.partial(board_pack.pack_for, month=month)
    )
    if pack is None:
        raise web.HTTPNotFound()
    chart = await _chart(pack) if pack.partners else ""
    return pages.page(
        request,
        "requests/board_pack.html",
        {
            "pack": pack,
            "chart": chart,
            "buckets": board_pack.BUCKETS,
            "errors": errors,
            "error_title": bool(errors),
        },
    )


async def _chart(pack: board_pack.BoardPack) -> str:
    """The pack's chart as a data: URI for an <img>, or "" where matplotlib is not installed
    (the page then says so; its table has the same figures)."""
    try:
        drawn = await asyncio.to_thread(pack.chart)  # matplotlib takes a while: keep the loop free
    except ChartsUnavailable:
        return ""
    return "data:image/png;base64," + base64.b64encode(drawn).decode("ascii")


async def agreements(request: web.Request) -> web.Response:
    """The sharing agreements, lapsed and soon-to-lapse ones flagged."""
    who = _overseer(request)
    rows = await visits.as_visitor(pages.hub_of(request), who, register.agreement_rows)
    if rows is None:
        raise web.HTTPNotFound()
    return pages.page(
        request, "requests/agreements.html", {"rows": rows, "soon": register.REVIEW_SOON_DAYS}
    )
