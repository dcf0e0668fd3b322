"""Who may open what: every page of the hub walked as every role. A page a role may not see
answers 404 (as if it did not exist), a visitor who is not signed in is sent to sign in, and a new
page fails here until the table says who may see it."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.conftest import Person
from tests.prevent.test_alerts import report
from tests.sharing.test_lifecycle import submit_request
from tests.web.conftest import SignIn

PEOPLE = {
    "staff": "alex@example.org",
    "prevent_manager": "priya@example.org",
    "data_owner": "jordan@example.org",
    "authoriser": "avery@example.org",
    "challenge_reviewer": "dana@example.org",
    "coordinator": "jamie@example.org",
    "board": "chris@example.org",
    "information_governance": "robin@example.org",
    "admin": "admin@example.org",
}
EVERYONE = frozenset(PEOPLE)
MANAGERS = frozenset({"prevent_manager", "admin"})

GOVERNANCE = frozenset({"board", "information_governance", "admin"})
COORDINATION = frozenset({"coordinator", "admin", "board"})
ADMIN = frozenset({"admin"})
OVERSIGHT = frozenset({"coordinator", "board", "admin", "challenge_reviewer"})
"""Who sees where a request stands, without its subject's details: the partnership's roles, and
the data owner's organisation's reviewer."""

WHO_SEES: dict[str, frozenset[str]] = {
    "/hub": EVERYONE,
    "/hub/": EVERYONE,
    "/hub/sign-in": EVERYONE,
    "/hub/form": EVERYONE,
    "/hub/concerns": MANAGERS,
    "/hub/concerns/map": MANAGERS,
    "/hub/concerns/hotspots": MANAGERS,
    "/hub/concerns/tension": MANAGERS,
    "/hub/requests/queue": EVERYONE,  # each sees only what waits for them (nothing, for most)
    "/hub/requests/register": GOVERNANCE,
    "/hub/requests/board-pack": GOVERNANCE,
    "/hub/requests/agreements": GOVERNANCE,
    "/hub/recommendations": COORDINATION,
    "/hub/recommendations/progress": COORDINATION,
    "/hub/recommendations/import": frozenset({"coordinator", "admin"}),
    "/hub/directory": ADMIN,
    "/hub/audit": ADMIN,
}
"""Every page without a parameter in its address, and the roles (of PEOPLE) that may open it."""


def pages(site: TestServer) -> list[str]:
    """The hub's GET pages whose address has no parameter, as the router lists them."""
    (hub,) = (r.get_info()["app"] for r in site.app.router.resources() if "app" in r.get_info())
    return sorted(
        resource.canonical
        for resource in hub.router.resources()
        if "{" not in resource.canonical
        and not resource.canonical.endswith("/assets")
        and any(route.method == "GET" for route in resource)
    )


def test_every_page_is_in_the_table(site):
    assert set(pages(site)) == set(WHO_SEES), "say in WHO_SEES who may open each new page"


async def test_each_role_opens_exactly_the_pages_it_may(site, sign_in: SignIn):
    wrong = []
    for role, email in sorted(PEOPLE.items()):
        person = await sign_in(email)
        for path in pages(site):
            status = (await person.get(path)).status
            if status != (200 if role in WHO_SEES[path] else 404):
                wrong.append(f"{role} {path}: {status}")
    assert not wrong


async def test_nobody_signed_out_opens_any_page_but_sign_in(site, browser):
    stranger = browser()
    for path in pages(site):
        page = await stranger.get(path)
        if path.startswith("/hub/sign-in"):
            assert page.status in (200, 404)
        else:
            assert page.url.split("?")[0].endswith("/hub/sign-in"), path


async def test_record_pages_open_only_for_those_with_a_part_in_the_record(sample_hub, sign_in):
    await report(sample_hub)
    await submit_request(Person(sample_hub, "alex@example.org"))
    may_see = {
        "CN-2026-0001": {"staff", "prevent_manager", "admin"},
        "IR-2026-0001": {"staff", "authoriser", "data_owner", *OVERSIGHT},
    }
    wrong = []
    for role, email in sorted(PEOPLE.items()):
        person = await sign_in(email)
        for reference, roles in may_see.items():
            page = await person.get(f"/hub/records/{reference}")
            if page.status != (200 if role in roles else 404):
                wrong.append(f"{role} {reference}: {page.status}")
            shown = "Golden Lane" in page.text  # the request's purpose, which names a place
            if reference.startswith("IR") and shown != (
                role in {"staff", "authoriser", "data_owner"}
            ):
                wrong.append(f"{role} {reference}: the purpose {'shown' if shown else 'hidden'}")
    assert not wrong
