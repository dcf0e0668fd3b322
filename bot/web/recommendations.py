"""The coordinator's pages: the recommendations register, CSV import with a preview, the progress chart.

An item's own page is the shared record page (/hub/records/VUL-18), whose buttons the register's
status gives by who is looking. The import is previewed from the uploaded file and applied from
the same bytes, carried back in the preview's form; the register's service checks the role and
the whole file both times.
"""

from __future__ import annotations

import base64
import binascii
from functools import partial

from aiohttp import web

from bot.conversation import visits
from bot.core.roles import Role
from bot.recommendations import progress, queries, uploads
from bot.recommendations.items import STATUS_LABELS, Rag
from bot.web import pages
from bot.web.navigation import NavLink

VIEWERS = frozenset({Role.COORDINATOR, Role.ADMIN, Role.BOARD, Role.CHAIR})
IMPORTERS = frozenset({Role.COORDINATOR, Role.ADMIN})
NAV: tuple[NavLink, ...] = (NavLink("Recommendations", "/recommendations", VIEWERS),)
"""The header's links to these pages, each for the roles that may see it."""
FILTER_LENGTH = 320
NO_FILE = "Choose a CSV file to upload."
LOST_FILE = "The file could not be read back from the preview; upload it again."
STATUS_CHOICES = (
    (queries.OPEN_STATUSES, "Open (not closed)"),
    *((code, label.capitalize()) for code, label in STATUS_LABELS.items()),
)
RAG_CHOICES = tuple((r.value, r.value.capitalize()) for r in Rag)
RAG_TAGS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", Rag.BLUE: "blue"}


def add_routes(app: web.Application) -> None:
    """Add these pages to the /hub application."""
    app.router.add_get("/recommendations", register)
    app.router.add_get("/recommendations/progress", chart)
    app.router.add_get("/recommendations/import", upload)
    app.router.add_post("/recommendations/import/preview", preview)
    app.router.add_post("/recommendations/import/apply", apply)


def _allowed(request: web.Request, roles: frozenset[Role]) -> None:
    """Not found, for anyone without one of `roles`: the page is not theirs to know about."""
    if not pages.visitor_of(request).roles & roles:
        raise web.HTTPNotFound()


async def register(request: web.Request) -> web.Response:
    _allowed(request, VIEWERS)
    query = request.query
    wanted = queries.RegisterFilter(
        **{key: query.get(key, "")[:FILTER_LENGTH] for key in ("source", "owner", "status", "rag")}
    )
    view = await visits.as_visitor(
        pages.hub_of(request),
        pages.visitor_of(request),
        partial(queries.register_view, wanted=wanted),
    )
    if view is None:
        raise web.HTTPNotFound()
    return pages.page(
        request,
        "recommendations/register.html",
        {
            "view": view,
            "wanted": wanted,
            "sources": [(source, source) for source in view.sources],
            "statuses": STATUS_CHOICES,
            "rags": RAG_CHOICES,
            "tags": RAG_TAGS,
            "filtered": any((wanted.source, wanted.owner, wanted.status, wanted.rag)),
            "importer": bool(pages.visitor_of(request).roles & IMPORTERS),
        },
    )


async def chart(request: web.Request) -> web.Response:
    _allowed(request, VIEWERS)
    shown = await visits.as_visitor(
        pages.hub_of(request), pages.visitor_of(request), progress.progress_chart
    )
    if shown is None:
        raise web.HTTPNotFound()
    image = base64.b64encode(shown.png).decode("ascii") if shown.png else ""
    return pages.page(
        request,
        "recommendations/progress.html",
        {"chart": shown, "image": image, "columns": progress.CHART_COLUMNS},
    )


async def upload(request: web.Request) -> web.Response:
    _allowed(request, IMPORTERS)
    return pages.page(
        request,
        "recommendations/upload.html",
        {"error": "", "limit": uploads.MAX_UPLOAD_BYTES // 1024},
    )


async def preview(request: web.Request) -> web.Response:
    """Check the uploaded file and show what importing it would do; nothing is written."""
    posted = await request.post()
    sent = posted.get("register")
    if not isinstance(sent, web.FileField) or not sent.filename:
        return pages.page(
            request,
            "recommendations/upload.html",
            {"error": NO_FILE, "limit": uploads.MAX_UPLOAD_BYTES // 1024},
            400,
        )
    name = sent.filename[:200]
    data = sent.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    shown = await visits.as_visitor(
        pages.hub_of(request),
        pages.visitor_of(request),
        partial(uploads.preview_upload, name=name, data=data),
    )
    if shown.refused:
        return _refused(request, shown.refused)
    return pages.page(
        request,
        "recommendations/preview.html",
        {
            "preview": shown,
            "name": name,
            "content": base64.b64encode(data).decode("ascii") if shown.ready else "",
            "added": sum(row.new for row in shown.rows),
        },
        200 if shown.ready else 400,
    )


async def apply(request: web.Request) -> web.Response:
    """Import the previewed file, all or nothing."""
    posted = await request.post()
    name = str(posted.get("name", ""))[:200] or "register.csv"
    try:
        data = base64.b64decode(str(posted.get("content", "")), validate=True)
    except binascii.Error:
        data = b""
    if not data:
        return pages.page(
            request, "message.html", {"heading": "Nothing was imported", "notes": [LOST_FILE]}, 400
        )
    done = await visits.as_visitor(
        pages.hub_of(request),
        pages.visitor_of(request),
        partial(uploads.apply_upload, name=name, data=data),
    )
    if done.refused:
        return _refused(request, done.refused)
    if done.problems:
        return pages.page(
            request,
            "recommendations/preview.html",
            {
                "preview": uploads.UploadPreview(problems=done.problems),
                "name": name,
                "content": "",
                "added": 0,
            },
            400,
        )
    return pages.page(request, "recommendations/imported.html", {"done": done, "name": name})


def _refused(request: web.Request, reason: str) -> web.Response:
    return pages.page(
        request, "message.html", {"heading": "Nothing was imported", "notes": [reason]}, 403
    )
