"""The Prevent / Community Safety manager's pages: the concerns queue, the map, hotspots, tension
areas and the export.

Read-only pages call Prevent's queries as the visitor; anyone but a manager (or admin) gets
"not found", because the queries return nothing for them. Every change (acknowledging a concern,
ending a tension area, adding one) goes through the turn loop from the shared record and form pages.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from aiohttp import web

from bot.conversation import surfaces, visits
from bot.core.exports import ExportFormat
from bot.core.roles import Role
from bot.prevent import queue
from bot.prevent.action_forms import TENSION
from bot.prevent.area import END_TENSION
from bot.prevent.queries import Question
from bot.web import pages
from bot.web.navigation import NavLink

MANAGERS = frozenset({Role.PREVENT_MANAGER.value, Role.ADMIN.value})
NAV: tuple[NavLink, ...] = (
    NavLink("Concerns", "/concerns", MANAGERS),
    NavLink("Map", "/concerns/map", MANAGERS),
)
"""The header's links to these pages, each for the roles that may see it."""
FILTER_FIELDS = ("priority", "status", "area", "category", "from", "to")
BAD_DATE = "Enter the {which} date as a real date, for example 2026-11-23"
EXPORT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def add_routes(site: web.Application) -> None:
    """Add these pages to the /hub application."""
    site.router.add_get("/concerns", queue_page)
    site.router.add_get("/concerns/map", map_page)
    site.router.add_get("/concerns/hotspots", hotspots_page)
    site.router.add_get("/concerns/tension", tension_page)
    site.router.add_get("/concerns/export.{fmt:csv|xlsx}", export)


def _date(
    request: web.Request, name: str, which: str, errors: list[tuple[str, str]]
) -> date | None:
    text = request.query.get(name, "").strip()[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append((name, BAD_DATE.format(which=which)))
        return None


def _filters(request: web.Request) -> tuple[queue.QueueFilters, list[tuple[str, str]]]:
    """The queue's filters from the query string, and what was wrong with any dates."""
    errors: list[tuple[str, str]] = []
    words = {name: request.query.get(name, "").strip()[:120] for name in FILTER_FIELDS}
    filters = queue.QueueFilters(
        priority=words["priority"],
        status=words["status"],
        area=words["area"],
        category=words["category"],
        since=_date(request, "from", "from", errors),
        until=_date(request, "to", "to", errors),
    )
    return filters, errors


async def _queue(request: web.Request) -> tuple[queue.Queue, dict[str, str], list[tuple[str, str]]]:
    """The visitor's queue as filtered, the filter's values, and its errors; 404 for non-managers."""
    filters, errors = _filters(request)
    found = await visits.as_visitor(
        pages.hub_of(request), pages.visitor_of(request), partial(queue.concern_queue, filters)
    )
    if found is None:
        raise web.HTTPNotFound()
    chosen = {name: request.query.get(name, "").strip()[:120] for name in FILTER_FIELDS}
    return found, chosen, errors


async def queue_page(request: web.Request) -> web.Response:
    found, chosen, errors = await _queue(request)
    return pages.page(
        request,
        "concerns/queue.html",
        {
            "queue": found,
            "chosen": chosen,
            "errors": errors,
            "error_title": bool(errors),
            "query": urlencode({k: v for k, v in chosen.items() if v}),
        },
    )


async def map_page(request: web.Request) -> web.Response:
    found, chosen, errors = await _queue(request)
    placed = [r for r in found.rows if r.latitude is not None and r.longitude is not None]
    markers = [
        {
            "reference": r.reference,
            "priority": r.priority,
            "category": r.category,
            "place": r.place,
            "status": r.status,
            "lat": r.latitude,
            "lon": r.longitude,
            "url": f"{pages.PREFIX}/records/{r.reference}",
        }
        for r in placed
    ]
    return pages.page(
        request,
        "concerns/map.html",
        {
            "queue": found,
            "placed": placed,
            "unplaced": [r for r in found.rows if r not in placed],
            "markers": markers,
            "tiles": pages.hub_of(request).settings.map_tiles,
            "chosen": chosen,
            "errors": errors,
            "error_title": bool(errors),
        },
    )


async def hotspots_page(request: web.Request) -> web.Response:
    if not MANAGERS & pages.visitor_of(request).roles:
        raise web.HTTPNotFound()
    shown = await surfaces.question(
        pages.hub_of(request), pages.caller_of(request), Question.HOTSPOTS
    )
    return pages.page(request, "concerns/hotspots.html", {"shown": shown})


async def tension_page(request: web.Request) -> web.Response:
    areas = await visits.as_visitor(
        pages.hub_of(request), pages.visitor_of(request), queue.tension_rows
    )
    if areas is None:
        raise web.HTTPNotFound()
    return pages.page(
        request,
        "concerns/tension.html",
        {"areas": areas, "end_action": END_TENSION, "tension_form": TENSION},
    )


async def export(request: web.Request) -> web.StreamResponse:
    """The concerns export as a download: `saferhub concerns export` without reporters."""
    fmt = ExportFormat(request.match_info["fmt"])
    errors: list[tuple[str, str]] = []
    hub = pages.hub_of(request)
    since = _date(request, "since", "since", errors) or (
        hub.clock.now().astimezone(hub.settings.timezone).date() - timedelta(days=365)
    )
    table = await visits.as_visitor(
        hub, pages.visitor_of(request), partial(queue.export_for, since)
    )
    if table is None:
        raise web.HTTPNotFound()
    name = f"concerns-since-{since.isoformat()}.{fmt.value}"
    content = table.rendered(fmt)
    body = content.encode("utf-8-sig") if isinstance(content, str) else content
    return web.Response(
        body=body,
        headers={
            "Content-Type": EXPORT_TYPES[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )
