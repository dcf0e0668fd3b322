"""The web hub at /hub: sign-in, the guard every request passes, and the pages every role shares.

The web is a surface like a chat channel: it converts HTTP to the neutral messages and calls the
turn loop and the domains' lookups, so a form filled in here is the same form, checked by the same
parsers, roles and states, audited the same way, and its notices are updated in Slack and Teams.

Every POST carries the session's CSRF token (403 without it) and a one-off event id, so a form
sent twice (a double click, a reload) is recorded once. The sign-in pages are public: they have no
session, so no token; what they accept signs nobody in without a link or a provider's word.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.conversation import surfaces, visits
from bot.conversation.hub import Hub
from bot.conversation.turns import TurnResult
from bot.web import concerns, directory, oidc, recommendations, requests
from bot.web.navigation import NavLink
from bot.web.pages import (
    COOKIE,
    FORBIDDEN,
    HUB_KEY,
    NAV_KEY,
    NOT_FOUND,
    PREFIX,
    SETTINGS_KEY,
    UNAVAILABLE,
    VISITOR,
    caller_of,
    enter,
    form_fields,
    hub_of,
    linked,
    next_of,
    page,
    same_token,
    secure_cookies,
    see_other,
    split_line,
    visitor_of,
)
from dialogs.form import FieldKind
from dialogs.messages import (
    ActionInput,
    Ask,
    ChoiceInput,
    Command,
    CommandInput,
    Completed,
    FilesInput,
    Inbound,
    Input,
    Notice,
    Outbound,
    Say,
    Summary,
    TextInput,
    Upload,
)
from dialogs.parsing import MAX_FILE_BYTES

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COMMANDS = {
    "back": Command.BACK,
    "skip": Command.SKIP,
    "cancel": Command.CANCEL,
    "confirm": Command.CONFIRM,
    "edit": Command.EDIT,
    "start over": Command.START_OVER,
}
EMPTY_ANSWER = "Answer the question, or choose Back or Cancel."
BROKEN = "Nothing was changed. The hub's administrator can see what went wrong in its log."
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


AREAS = (concerns, requests, recommendations, directory)
"""The page groups beyond the shared ones, each adding its routes and header links once."""


EMAIL_LINKS_KEY = web.AppKey("web_email_links", bool)
"""Whether the sign-in page offers to email a link (an email channel delivers them)."""
NO_EMAIL = "Enter your email address"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.org"


def build_site(hub: Hub, *, email_links: bool = False) -> web.Application:
    """The /hub application, mounted into `saferhub serve`'s with `app.add_subapp`; with
    `email_links`, the sign-in page offers to email a one-time link."""
    site = web.Application(middlewares=[guard], client_max_size=4 * MAX_FILE_BYTES)
    site[HUB_KEY] = hub
    site[EMAIL_LINKS_KEY] = email_links
    site[SETTINGS_KEY] = secure_cookies(hub.settings.public_url)
    site[NAV_KEY] = (NavLink("Home", "/"), *(link for area in AREAS for link in area.NAV))
    env = aiohttp_jinja2.setup(
        site,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(linked=linked, split_line=split_line)
    site.router.add_get("", home)
    site.router.add_get("/", home)
    site.router.add_get("/sign-in", sign_in)
    site.router.add_post("/sign-in/email", email_me)
    site.router.add_get("/sign-in/link/{token}", link_page)
    site.router.add_post("/sign-in/link/{token}", spend_link)
    oidc.add_routes(site)
    site.router.add_post("/sign-out", sign_out)
    site.router.add_get("/records/{reference}", record)
    site.router.add_post("/records/{reference}", act)
    site.router.add_get("/records/{reference}/photos/{number:[0-9]{1,2}}", photo)
    site.router.add_post("/start/{form_id}", start)
    site.router.add_get("/form", form)
    site.router.add_post("/form", answer)
    site.router.add_get("/ask/{query}", ask)
    for area in AREAS:
        area.add_routes(site)
    site.router.add_static("/assets", HERE / "static", follow_symlinks=False)
    return site


def mount(app: web.Application, hub: Hub, *, email_links: bool = False) -> None:
    """Serve the hub's pages at /hub in `app` (`email_links`: as `build_site`)."""
    app.add_subapp(PREFIX, build_site(hub, email_links=email_links))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request: security headers; the visitor from the session cookie (or the sign-in page);
    the CSRF token on every POST; the database's absence said plainly, never a traceback."""
    hub = hub_of(request)
    public = request.path.startswith((f"{PREFIX}/assets/", f"{PREFIX}/sign-in"))
    try:
        if not public:
            who = await visits.visitor(hub, request.cookies.get(COOKIE, ""))
            if who is None:
                if request.method != "GET":
                    raise web.HTTPForbidden(text=FORBIDDEN)
                raise web.HTTPSeeOther(f"{PREFIX}/sign-in?next={quote(request.path_qs)}")
            request[VISITOR] = who
            if request.method == "POST":
                sent = (await form_fields(request)).get("csrf", "")
                if not isinstance(sent, str) or not same_token(sent, who.csrf):
                    return page(
                        request,
                        "message.html",
                        {"heading": "Form expired", "notes": [FORBIDDEN]},
                        403,
                    )
        response = await handler(request)
    except web.HTTPNotFound:
        response = page(
            request, "message.html", {"heading": "Page not found", "notes": [NOT_FOUND]}, 404
        )
    except web.HTTPException as refusal:
        response = web.Response(status=refusal.status, headers=refusal.headers, body=refusal.body)
    except Exception as error:
        if not visits.is_outage(error):
            log.exception("a hub page failed")
            return page(
                request,
                "message.html",
                {"heading": "Sorry, something went wrong", "notes": [BROKEN]},
                500,
            )
        log.warning("a hub page could not be shown: the database is unreachable")
        response = page(
            request,
            "message.html",
            {"heading": "Sorry, the hub is unavailable", "notes": [UNAVAILABLE]},
            503,
        )
    tiles = hub.settings.map_tiles
    origin = " " + "{0.scheme}://{0.netloc}".format(urlsplit(tiles)) if tiles else ""
    response.headers["Content-Security-Policy"] = CSP.format(tiles=origin)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith(f"{PREFIX}/assets/"):
        response.headers["Cache-Control"] = "no-store"
    return response


async def sign_in(request: web.Request) -> web.Response:
    return _sign_in_page(request, next_of(request))


def _sign_in_page(
    request: web.Request, next_path: str, email: str = "", error: str = ""
) -> web.Response:
    """The sign-in page: the providers, and the email form when links can be emailed (with
    `error` over it, and what was typed in it, when its address could not be read)."""
    return page(
        request,
        "sign_in.html",
        {
            "next": next_path,
            "providers": oidc.offered(hub_of(request).settings),
            "email_links": request.config_dict[EMAIL_LINKS_KEY],
            "email": email,
            "error": error,
            "error_title": error,
        },
    )


async def email_me(request: web.Request) -> web.Response:
    """Email a sign-in link: the answer is the same for any well-formed address, known or not,
    limited or not, so the page tells nobody who is in the directory."""
    if not request.config_dict[EMAIL_LINKS_KEY]:
        raise web.HTTPNotFound()
    posted = await form_fields(request)
    typed, going = posted.get("email", ""), posted.get("next", "")
    typed = typed if isinstance(typed, str) else ""
    next_path = visits.safe_next(going if isinstance(going, str) else "")
    email = visits.email_format(typed)
    if email is None:
        error = BAD_EMAIL if typed.strip() else NO_EMAIL
        return _sign_in_page(request, next_path, typed[: visits.MAX_EMAIL], error)
    await visits.email_link(hub_of(request), email, request.remote or "", next_path)
    return page(request, "link_sent.html", {"next": next_path})


async def link_page(request: web.Request) -> web.Response:
    """Opening a link shows a button: mail scanners that fetch links must not spend them."""
    return page(
        request, "link.html", {"token": request.match_info["token"], "next": next_of(request)}
    )


async def spend_link(request: web.Request) -> web.StreamResponse:
    entry = await visits.enter_by_link(hub_of(request), request.match_info["token"])
    return enter(request, entry, next_of(request))


async def sign_out(request: web.Request) -> web.StreamResponse:
    await visits.leave(hub_of(request), request.cookies.get(COOKIE, ""))
    response = see_other(f"{PREFIX}/sign-in")
    response.del_cookie(COOKIE, path=PREFIX)
    return response


# -- home, records and lookups --------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    overview = await surfaces.home(hub_of(request), caller_of(request))
    if overview is None:
        return page(
            request,
            "message.html",
            {"heading": "Sorry, the hub is unavailable", "notes": [UNAVAILABLE]},
            503,
        )
    return page(request, "home.html", {"overview": overview})


async def record(request: web.Request) -> web.Response:
    reference = request.match_info["reference"].upper()
    shown = await surfaces.status(hub_of(request), caller_of(request), reference)
    if not isinstance(shown, Notice):
        raise web.HTTPNotFound()
    return page(request, "record.html", {"notice": shown})


async def photo(request: web.Request) -> web.Response:
    """A photo of a record the visitor may see (the cleaned copy, or its thumbnail)."""
    hub = hub_of(request)
    reference = request.match_info["reference"].upper()
    number = int(request.match_info["number"])
    shown = await surfaces.status(hub, caller_of(request), reference)
    if not isinstance(shown, Notice) or not 1 <= number <= shown.photos:
        raise web.HTTPNotFound()
    thumbnails = request.query.get("size") == "thumbnail"
    pictures = await surfaces.photos_of(hub, reference, thumbnails=thumbnails)
    if number > len(pictures):
        raise web.HTTPNotFound()
    picture = pictures[number - 1]
    return web.Response(
        body=picture.data,
        content_type=picture.mime_type,
        headers={"Content-Disposition": f'inline; filename="{picture.filename}"'},
    )


async def ask(request: web.Request) -> web.Response:
    hub = hub_of(request)
    query = request.match_info["query"]
    if query not in hub.registry.queries:
        raise web.HTTPNotFound()
    argument = request.query.get("for", "")[:200]
    shown = await surfaces.question(hub, caller_of(request), query, argument)
    return page(request, "answer.html", {"shown": shown, "query": query, "argument": argument})


# -- forms: one question a page, through the turn loop --------------------------------------------


async def start(request: web.Request) -> web.StreamResponse:
    form_id = request.match_info["form_id"]
    return await _turn(request, CommandInput(Command.START, form_id))


async def act(request: web.Request) -> web.StreamResponse:
    posted = await form_fields(request)
    action = posted.get("action", "")
    if not isinstance(action, str) or not action:
        raise web.HTTPNotFound()
    return await _turn(request, ActionInput(action, request.match_info["reference"].upper()))


async def form(request: web.Request) -> web.StreamResponse:
    who = visitor_of(request)
    shown = await hub_of(request).turns.current(who.address, who.email)
    if not shown:
        raise web.HTTPSeeOther(f"{PREFIX}/")
    return _shown(request, shown)


async def answer(request: web.Request) -> web.StreamResponse:
    posted = await form_fields(request)
    command = posted.get("command", "")
    field = str(posted.get("field", ""))
    kind = str(posted.get("kind", ""))
    user_input: Input
    if isinstance(command, str) and command in COMMANDS:
        user_input = CommandInput(COMMANDS[command], str(posted.get("edit", "")))
    elif kind == FieldKind.ATTACHMENT:
        uploads = tuple(
            Upload(item.filename, item.content_type, len(data), data)
            for item in posted.getall("photos", [])
            if isinstance(item, web.FileField) and item.filename
            for data in [item.file.read(MAX_FILE_BYTES + 1)]
        )
        user_input = FilesInput(uploads=uploads) if uploads else CommandInput(Command.SKIP)
    else:
        chosen = [v for v in posted.getall("choice", []) if isinstance(v, str) and v]
        typed = str(posted.get("answer", "")).strip()
        if kind == FieldKind.MULTI and chosen:
            user_input = ChoiceInput(field, ", ".join(chosen))
        elif chosen and not typed:
            user_input = ChoiceInput(field, chosen[0])
        elif typed:
            user_input = TextInput(typed)
        else:
            return await _again(request, EMPTY_ANSWER)
    return await _turn(request, user_input)


async def _again(request: web.Request, error: str) -> web.StreamResponse:
    """The open question again, with `error` over it (nothing was sent to the turn loop)."""
    who = visitor_of(request)
    shown = await hub_of(request).turns.current(who.address, who.email)
    marked = tuple(
        Ask(**{**item.__dict__, "error": error}) if isinstance(item, Ask) else item
        for item in shown
    )
    return _shown(request, marked) if marked else see_other(f"{PREFIX}/")


async def _turn(request: web.Request, user_input: Input) -> web.StreamResponse:
    """Run one turn as the visitor and show what it says."""
    who = visitor_of(request)
    posted = await form_fields(request)
    event = posted.get("event", "")
    event_id = (
        f"web-{event}" if isinstance(event, str) and event else f"web-{secrets.token_urlsafe(16)}"
    )
    inbound = Inbound(who.address, event_id[:200], user_input, who.email, who.name)
    result = await hub_of(request).turns.handle(inbound)
    if result.duplicate:
        raise web.HTTPSeeOther(f"{PREFIX}/form")
    return _result(request, result)


def _result(request: web.Request, result: TurnResult) -> web.StreamResponse:
    if result.unsaved:
        notes = [r.text for r in result.replies if isinstance(r, Say)]
        return page(
            request, "message.html", {"heading": "Nothing was recorded", "notes": notes}, 503
        )
    return _shown(request, result.replies)


def _shown(request: web.Request, replies: Sequence[Outbound]) -> web.Response:
    """The page for a turn's replies: its question, its summary to check, what it completed, or
    what it said."""
    notes = [r for r in replies if isinstance(r, Say | Notice)]
    asked = next((r for r in reversed(replies) if isinstance(r, Ask | Summary)), None)
    done = next((r for r in replies if isinstance(r, Completed)), None)
    if isinstance(asked, Ask):
        return page(request, "question.html", {"ask": asked, "said": notes, "kinds": FieldKind})
    if isinstance(asked, Summary):
        return page(request, "check.html", {"summary": asked, "said": notes})
    if done is not None:
        return page(request, "done.html", {"done": done, "said": notes})
    return page(request, "said.html", {"said": notes})
