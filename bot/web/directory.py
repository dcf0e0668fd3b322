"""The administrator's pages: the directory (people, roles, partners, deputies, the on-duty rota, leavers) and the audit chain.

Only an administrator sees them (anyone else gets "page not found"); a change posted by anyone
else reaches the directory's services, which refuse it and audit the attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from bot.conversation import visits
from bot.core.checks import Refused
from bot.core.roles import Role
from bot.directory import people
from bot.web import pages
from bot.web.navigation import NavLink

ADMIN = frozenset({Role.ADMIN.value})
NAV: tuple[NavLink, ...] = (
    NavLink("Directory", "/directory", ADMIN),
    NavLink("Audit", "/audit", ADMIN),
)
"""The header's links to these pages, each for the roles that may see it."""


def add_routes(site_app: web.Application) -> None:
    """Add these pages to the /hub application."""
    site_app.router.add_get("/directory", directory_page)
    site_app.router.add_get("/directory/people/{person_id:\\d+}", person_page)
    site_app.router.add_post("/directory/people/{person_id:\\d+}/{change}", change)
    site_app.router.add_get("/audit", audit_page)


def _admin_only(request: web.Request) -> visits.Visitor:
    """The visitor, if they are an administrator; "page not found" for anyone else."""
    who = pages.visitor_of(request)
    if not who.roles & ADMIN:
        raise web.HTTPNotFound()
    return who


async def directory_page(request: web.Request) -> web.Response:
    who = _admin_only(request)
    hub = pages.hub_of(request)
    everyone = await visits.as_visitor(hub, who, people.people)
    partners = await visits.as_visitor(hub, who, people.partners)
    organisation = request.query.get("organisation", "")
    role = request.query.get("role", "")
    shown = [
        p
        for p in everyone
        if (not organisation or p.organisation_code == organisation)
        and (not role or role in p.roles)
    ]
    return pages.page(
        request,
        "directory/index.html",
        {
            "heading": "Directory",
            "people": shown,
            "partners": partners,
            "roles": sorted(r.value for r in Role),
            "organisation": organisation,
            "role": role,
        },
    )


async def person_page(request: web.Request) -> web.Response:
    who = _admin_only(request)
    person_id = int(request.match_info["person_id"])
    shown = await visits.as_visitor(
        pages.hub_of(request), who, partial(people.person_page, person_id=person_id)
    )
    if shown is None:
        raise web.HTTPNotFound()
    return pages.page(
        request,
        "directory/person.html",
        {"heading": shown.person.name, "shown": shown},
    )


CHANGES: dict[str, Callable[[int], Callable[..., Awaitable[object]]]] = {
    "leaver": lambda person_id: partial(people.mark_leaver, person_id=person_id),
    "reactivate": lambda person_id: partial(people.reactivate, person_id=person_id),
    "on-duty": lambda person_id: partial(people.set_on_duty, person_id=person_id, on_duty=True),
    "off-duty": lambda person_id: partial(people.set_on_duty, person_id=person_id, on_duty=False),
    "email-works": lambda person_id: partial(people.clear_email_failing, person_id=person_id),
}
"""The person page's buttons, by the last part of the address they post to."""


async def change(request: web.Request) -> web.StreamResponse:
    """A button on a person's page: the directory's service decides (and refuses anyone but an
    administrator); then back to the person's page, or the reason it was refused."""
    who = pages.visitor_of(request)
    made = CHANGES.get(request.match_info["change"])
    if made is None:
        raise web.HTTPNotFound()
    person_id = int(request.match_info["person_id"])
    outcome = await visits.as_visitor(pages.hub_of(request), who, made(person_id))
    if isinstance(outcome, Refused):
        return pages.page(
            request,
            "directory/refused.html",
            {
                "heading": "Nothing was changed",
                "reason": outcome.reason,
                "back": f"{pages.PREFIX}/directory/people/{person_id}" if who.roles & ADMIN else "",
            },
            403,
        )
    return pages.see_other(f"{pages.PREFIX}/directory/people/{person_id}")


async def audit_page(request: web.Request) -> web.Response:
    _admin_only(request)
    status = await visits.audit_status(pages.hub_of(request))
    return pages.page(request, "directory/audit.html", {"heading": "Audit", "status": status})
