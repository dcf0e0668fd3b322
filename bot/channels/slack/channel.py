"""The Slack channel: a slack-bolt app on the shared aiohttp server (or Socket Mode).

Every HTTP body is checked before bolt reads it (`inbound.check`): a malformed one gets a 400
and one we do not use a bare 200, so neither reaches a listener. Every listener acknowledges
first and works after, in a tracked task, so Slack gets its answer well inside 3 seconds. The
one exception is a modal submission, which the turn loop validates before the acknowledgement
so that errors can show under the fields. All conversation goes through the hub's turn loop,
keyed by Slack's event id (or a stable id built from an interaction payload), so a retried
delivery never records or replies twice. Replies are posted only after the turn has committed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.channels.shapes import Verdict
from bot.channels.slack import actions, inbound, modal
from bot.channels.slack.delivery import SlackDeliverer
from bot.channels.slack.home import home_view, message_home
from bot.channels.slack.markup import clip, escape, from_slack, mentioned
from bot.channels.slack.render import SlackMessage, render
from bot.channels.slack.settings import SlackSettings
from bot.channels.slack.workspace import Workspace, web_client
from bot.conversation import surfaces
from bot.conversation.hub import Hub
from bot.conversation.lanes import Lanes
from bot.conversation.surfaces import Caller
from bot.conversation.turns import NOT_OFFERED, UNAVAILABLE, TurnResult
from bot.core.ports import Deliverer
from dialogs.messages import (
    Address,
    FilesInput,
    FormInput,
    Inbound,
    Input,
    Outbound,
    Platform,
    Say,
    TextInput,
)
from dialogs.whole import form_stop

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = "/saferhub"
SHORTCUTS = {"log_concern": surfaces.REPORT, "request_information": surfaces.REQUEST}
OUR_ACTIONS = re.compile(r"^(answer|pick|done|command|notice|field):")
MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(?:\|[^<>]*)?>\s*)+")
MAX_NAMED = 10
SLASH_HELP = (
    "Use /saferhub report, /saferhub request, /saferhub actions, /saferhub status CN-2026-0001 "
    "or /saferhub help. You can also write to me in the Messages tab of the Saferhub app."
)
MOVED_TO_DM = "I've replied in a direct message, so the details stay out of this channel."
# Slack shows an error in the modal unless the submission is acknowledged within 3 seconds.
MODAL_PATIENCE = timedelta(seconds=2)
MODAL_NOT_SAVED = (
    f"I couldn't save this form {UNAVAILABLE}. Nothing from it was recorded. Go back to your "
    "answers and press Submit again in a few minutes."
)


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace an event or interaction comes from (the tenant of its address)."""
    team = body.get("team")
    user = body.get("user")
    return str(
        body.get("team_id")
        or (team.get("id") if isinstance(team, Mapping) else None)
        or (user.get("team_id") if isinstance(user, Mapping) else None)
        or body.get("enterprise_id")
        or ""
    )


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Socket Mode, with each payload checked as an HTTP body is before bolt sees it."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        checked = inbound.check(req.payload)
        if checked.verdict is Verdict.HANDLE:
            await super().handle(client, req)
            return
        if checked.verdict is Verdict.REFUSE:
            log.warning("Dropped a malformed Socket Mode payload: %s", clip(checked.reason, 200))
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


class SlackChannel:
    """Saferhub in Slack: events, commands, shortcuts, buttons, modals, App Home and delivery."""

    platform = Platform.SLACK.value

    def __init__(self, hub: Hub, settings: SlackSettings) -> None:
        self.hub = hub
        self.settings = settings
        # The forms a shortcut opens as a modal; any other form goes on in the DM.
        self._modal_forms = frozenset(hub.registry.shortcut(name) for name in SHORTCUTS.values())
        self.client = web_client(settings.bot_token, settings.api_url)
        self.workspace = Workspace(
            self.client,
            attempts=settings.reply_attempts,
            backoff=settings.reply_backoff,
            lookup_timeout=settings.lookup_timeout,
        )
        self._deliverer = SlackDeliverer(
            self.workspace, settings.pace_seconds, partial(surfaces.photos_of, hub)
        )
        # Listeners only acknowledge and hand work to a tracked task, so bolt may finish them
        # before answering; nothing slow happens before the response except modal validation.
        self.app = AsyncApp(
            name="saferhub",
            process_before_response=True,
            client=self.client,
            signing_secret=settings.signing_secret,
            request_verification_enabled=not settings.socket_mode,
        )
        self._socket: AsyncSocketModeHandler | None = None
        self.lanes = Lanes("Slack")
        self._register()

    @property
    def deliverer(self) -> Deliverer:
        """Outbox delivery by Slack DM."""
        return self._deliverer

    @property
    def timezone(self) -> ZoneInfo:
        """The partnership's timezone, for reading date-time pickers."""
        return self.hub.settings.timezone

    def mount(self, app: web.Application) -> None:
        """POST /slack/events for events, commands, shortcuts and interactions (HTTP mode only)."""
        if not self.settings.socket_mode:
            app.router.add_post(EVENTS_PATH, self._http)

    async def start(self) -> None:
        """Keep Web API connections alive between calls; in Socket Mode, connect out to Slack.

        Without a session of its own, slack-sdk opens (and for slack.com, TLS-handshakes) a new
        connection for every call, which cost more than the rest of a turn's reply.
        """
        if self.client.session is None:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.client.timeout)
            )
        if self.settings.socket_mode:
            self._socket = CheckedSocketModeHandler(
                self.app, app_token=self.settings.app_token, web_client=self.client
            )
            self.lanes.spawn(self._socket.connect_async())  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Close the socket, then let work in flight finish (briefly) before cancelling it."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self.lanes.stop(patience=10)
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    async def idle(self) -> None:
        """Wait until no background work is in flight (used by tests and shutdown)."""
        await self.lanes.idle()

    async def _http(self, request: web.Request) -> web.StreamResponse:
        """Verify the signature (401), then the body's shape (400, or 200 for what we do not
        use), and only then hand the request to bolt."""
        raw = await request.read()
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not inbound.signed(self.settings.signing_secret, raw, stamp, signature, time.time()):
            return web.json_response({"error": "invalid request"}, status=401)
        content_type = request.headers.get("Content-Type", "").split(";")[0] or None
        try:
            text = raw.decode("utf-8")
            body = parse_body(text, content_type)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return web.json_response({"error": "the body cannot be read"}, status=400)
        checked = inbound.check(body)
        if checked.verdict is Verdict.REFUSE:
            log.warning("Refused a malformed Slack request: %s", clip(checked.reason, 200))
            return web.json_response({"error": "malformed request"}, status=400)
        if checked.verdict is Verdict.IGNORE:
            return web.Response(status=200)
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home_opened)
        app.command(COMMAND)(self._on_command)
        for callback_id in SHORTCUTS:
            app.shortcut(callback_id)(self._on_shortcut)
        app.action(OUR_ACTIONS)(self._on_action)
        app.view(modal.CALLBACK_ID)(self._on_submission)

    # -- turns ------------------------------------------------------------------------------

    async def _handle(
        self,
        address: Address,
        event_id: str,
        user_input: Input,
        arrived: float,
        patience: timedelta | None = None,
    ) -> TurnResult:
        """One turn through the hub's turn loop (callers hold the conversation's lock, which
        the event reached at `arrived`, on the event loop's clock)."""
        profile = await self.workspace.profile(address.user)
        inbound = Inbound(address, event_id, user_input, profile.email, profile.display_name)
        return await self.hub.turns.handle(inbound, patience=patience, arrived=arrived)

    async def _reply(self, channel: str, replies: Sequence[Outbound]) -> bool:
        """Post replies after the commit; False (logged, never raised) when posting kept failing."""
        if not replies:
            return True
        try:
            await self.workspace.post(channel, render(replies))
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.error("could not post a reply in %s (the answers are saved): %s", channel, error)
            return False
        return True

    async def _answer(self, address: Address, event_id: str, result: TurnResult) -> None:
        """Post a turn's replies; what cannot be posted goes to the outbox for later."""
        if not await self._reply(address.conversation, result.replies):
            await self.hub.turns.keep_replies(address, event_id, result)

    async def _converse(self, address: Address, event_id: str, user_input: Input) -> None:
        arrived = asyncio.get_running_loop().time()
        async with self.lanes.lane(address.key):
            result = await self._handle(address, event_id, user_input, arrived)
            if not result.duplicate:
                await self._answer(address, event_id, result)

    async def _caller(self, address: Address) -> Caller:
        """Who is at `address`, with what their Slack profile says of them."""
        profile = await self.workspace.profile(address.user)
        return Caller(address, profile.email, profile.display_name)

    async def _dm_address(self, team: str, user: str) -> Address:
        channel = await self.workspace.dm_channel(user)
        return Address(Platform.SLACK, team, channel, user)

    # -- events -----------------------------------------------------------------------------

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A direct message (text or file upload) continues or starts a conversation."""
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if event.get("subtype") not in (None, "file_share"):
            return
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        event_id = str(body.get("event_id") or "")
        if not (user and channel and event_id):
            return
        self.workspace.remember_dm(user, channel)
        address = Address(Platform.SLACK, team_of(body), channel, user)
        files = [f for f in event.get("files") or [] if isinstance(f, Mapping)]
        text = str(event.get("text") or "")
        self.lanes.spawn(self._message(address, event_id, text, files))

    async def _message(
        self, address: Address, event_id: str, text: str, files: list[Mapping[str, Any]]
    ) -> None:
        user_input: Input
        if files:
            user_input = FilesInput(uploads=await self.workspace.uploads(files))
        elif text.strip():
            user_input = TextInput(await self._plain(text))
        else:
            return
        await self._converse(address, event_id, user_input)

    async def _plain(self, text: str) -> str:
        """Slack text as typed: markup undone, people mentioned shown by name."""
        names: dict[str, str] = {}
        for user in mentioned(text)[:MAX_NAMED]:
            name = (await self.workspace.profile(user)).display_name
            if name:
                names[user] = name
        return from_slack(text, names)

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A mention in a channel: answer in the DM, and say so quietly in the channel."""
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        event_id = str(body.get("event_id") or "")
        if not (user and channel and event_id) or channel.startswith("D"):
            return
        text = MENTION.sub("", str(event.get("text") or ""))
        self.lanes.spawn(self._mention(team_of(body), user, channel, event_id, text))

    async def _mention(self, team: str, user: str, channel: str, event_id: str, text: str) -> None:
        address = await self._dm_address(team, user)
        arrived = asyncio.get_running_loop().time()
        said = (await self._plain(text)).strip() or "help"
        async with self.lanes.lane(address.key):
            result = await self._handle(address, event_id, TextInput(said), arrived)
            if result.duplicate:
                return
            try:
                await self.client.chat_postEphemeral(channel=channel, user=user, text=MOVED_TO_DM)
            except SlackApiError as error:
                log.warning("could not point %s to the DM in %s: %s", user, channel, error)
            await self._answer(address, event_id, result)

    async def _on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publish the Home tab whenever someone opens it."""
        user = str(event.get("user") or "")
        if event.get("tab") == "home" and user:
            self.lanes.spawn(
                self._publish_home(team_of(body), user, str(event.get("channel") or ""))
            )

    async def _publish_home(self, team: str, user: str, channel: str) -> None:
        address = (
            Address(Platform.SLACK, team, channel, user)
            if channel
            else await self._dm_address(team, user)
        )
        shown = await surfaces.home(self.hub, await self._caller(address))
        view = home_view(shown) if shown is not None else message_home(surfaces.HOME_UNAVAILABLE)
        try:
            await self.client.views_publish(user_id=user, view=view)
        except SlackApiError as error:
            log.error("could not publish the App Home for %s: %s", user, error)

    # -- slash command and shortcuts --------------------------------------------------------

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """/saferhub report | request | actions | status REF | help.

        Help and unknown words are answered in the acknowledgement itself; the rest after it.
        """
        user, team = str(body.get("user_id") or ""), team_of(body)
        word, _, rest = from_slack(str(body.get("text") or "")).strip().partition(" ")
        verb = word.lower()
        trigger = str(body.get("trigger_id") or "")
        if verb in ("", "help"):
            await self._ack_with(ack, [Say(SLASH_HELP), Say(surfaces.help_text(self.hub))])
        elif verb in ("report", "concern", "request"):
            await ack()
            form_id = self.hub.registry.shortcut(
                surfaces.REQUEST if verb == "request" else surfaces.REPORT
            )
            self.lanes.spawn(self._open_form(team, user, trigger, form_id))
        elif verb in ("actions", "status"):
            await ack()
            self.lanes.spawn(self._answer_query(team, user, verb, rest.strip(), respond))
        else:
            await self._ack_with(
                ack, [Say(f"I don't know '/saferhub {clip(word, 40)}'. {SLASH_HELP}")]
            )

    async def _ack_with(self, ack: AsyncAck, items: Sequence[Outbound]) -> None:
        message = render(items)[0]
        await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")

    async def _answer_query(
        self, team: str, user: str, verb: str, argument: str, respond: AsyncRespond
    ) -> None:
        reference = argument.upper()
        if verb == "status" and not actions.REFERENCE.match(reference):
            await self._respond(
                respond, [Say("Give a reference, for example /saferhub status CN-2026-0001.")]
            )
            return
        caller = await self._caller(await self._dm_address(team, user))
        answer = await (
            surfaces.status(self.hub, caller, reference)
            if verb == "status"
            else surfaces.my_actions(self.hub, caller)
        )
        await self._respond(respond, [answer])

    async def _respond(self, respond: AsyncRespond, items: Sequence[Outbound]) -> None:
        """An ephemeral answer to a slash command, visible only to the person who typed it."""
        message = render(items)[0]
        try:
            await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
        except (aiohttp.ClientError, TimeoutError) as error:
            log.error("could not answer a slash command: %s", error)

    async def _on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The global shortcuts open their form as a modal."""
        await ack()
        form_id = self.hub.registry.shortcut(SHORTCUTS.get(str(body.get("callback_id") or ""), ""))
        user = str((body.get("user") or {}).get("id") or "")
        if form_id and user:
            self.lanes.spawn(
                self._open_form(team_of(body), user, str(body.get("trigger_id") or ""), form_id)
            )

    async def _open_form(self, team: str, user: str, trigger_id: str, form_id: str) -> None:
        """Open `form_id` as a modal, with any answers already given in the DM filled in.

        A conversation about another form in the DM comes first: the modal says so instead.
        """
        try:
            address = await self._dm_address(team, user)
            opening = await surfaces.open_form(self.hub, await self._caller(address), form_id)
            if opening.context is None:
                view = modal.message_view(opening.form.title, opening.refusal)
            else:
                meta = modal.ModalMeta(form_id, address.conversation)
                view = modal.form_view(opening.form, opening.answers, opening.context, meta)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            log.error("could not open the %s modal for %s: %s", form_id, user, error)

    # -- buttons and menus ------------------------------------------------------------------

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A press on one of our elements, in a message, the App Home or a modal."""
        await ack()
        pressed = actions.parse(action)
        user = str((body.get("user") or {}).get("id") or "")
        if pressed is None or pressed.kind == actions.PICK or not user:
            return
        view = body.get("view")
        if pressed.kind == actions.FIELD:
            if isinstance(view, Mapping) and view.get("type") == "modal":
                self.lanes.spawn(self._refresh_modal(team_of(body), user, view))
            return
        self.lanes.spawn(self._press(body, user, pressed))

    async def _press(self, body: Mapping[str, Any], user: str, pressed: actions.Pressed) -> None:
        """Check the press against what was offered, run the turn, then settle the message."""
        container = body.get("container") or {}
        view = body.get("view")
        in_message = container.get("type") == "message"
        if in_message:
            blocks = (body.get("message") or {}).get("blocks") or []
        else:
            blocks = view.get("blocks") or [] if isinstance(view, Mapping) else []
        channel = str(container.get("channel_id") or "")
        team = team_of(body)
        if in_message and channel.startswith("D"):
            self.workspace.remember_dm(user, channel)
        address = await self._dm_address(team, user)
        user_input = actions.to_input(pressed, body.get("state") or {}, self.timezone)
        if user_input is None or not actions.offered(pressed.action, blocks):
            await self._refuse(address, pressed)
            return
        event_id = (
            f"action:{user}:{pressed.action.get('action_ts', '')}:{pressed.action.get('action_id')}"
        )
        arrived = asyncio.get_running_loop().time()
        async with self.lanes.lane(address.key):
            result = await self._handle(address, event_id, user_input, arrived)
            if result.duplicate:
                return
            if in_message and pressed.kind != actions.NOTICE and not result.unsaved:
                await self._settle(body, channel, blocks, pressed)
            await self._answer(address, event_id, result)

    async def _settle(
        self,
        body: Mapping[str, Any],
        channel: str,
        blocks: Sequence[Mapping[str, Any]],
        pressed: actions.Pressed,
    ) -> None:
        """Replace the answered message's buttons with what was chosen."""
        ts = str((body.get("container") or {}).get("message_ts") or "")
        chose = clip(escape(actions.label(pressed.action, pressed.name.replace("_", " "))), 200)
        said = f"You chose: {chose}"
        text = str((body.get("message") or {}).get("text") or "") or said  # never an empty text
        settled = SlackMessage(text, actions.settle(blocks, f":heavy_check_mark: {said}"))
        try:
            await self.workspace.update(channel, ts, settled)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not settle an answered message: %s", error)

    async def _refuse(self, address: Address, pressed: actions.Pressed) -> None:
        """A press we never offered in that message: change nothing, audit what it named (as the
        turn loop does for what a conversation never offered), and say the button is gone."""
        log.warning(
            "refused a Slack action %r from %s", pressed.action.get("action_id"), address.user
        )
        named = actions.notice_action(pressed) if pressed.kind == actions.NOTICE else None
        reference = named[1] if named else ""
        await surfaces.refuse_press(
            self.hub,
            await self._caller(address),
            reference,
            platform=self.platform,
            input="button",
            action_id=clip(str(pressed.action.get("action_id") or ""), 100),
            reason="not offered in the message pressed",
        )
        await self._reply(address.conversation, [Say(NOT_OFFERED)])

    # -- modals -----------------------------------------------------------------------------

    async def _refresh_modal(self, team: str, user: str, view: Mapping[str, Any]) -> None:
        """Rebuild an open modal after an answer that changes which fields apply."""
        meta = modal.ModalMeta.loads(str(view.get("private_metadata") or ""))
        form = (
            self.hub.registry.forms.get(meta.form_id)
            if meta and meta.form_id in self._modal_forms
            else None
        )
        if meta is None or form is None:
            return
        answers = modal.as_answers(modal.state_values(view.get("state") or {}, self.timezone))
        caller = await self._caller(Address(Platform.SLACK, team, meta.channel, user))
        ctx = await surfaces.form_context(self.hub, caller, form.id, answers)
        if ctx is None:
            log.info("modal not updated: the database is unreachable (submitting will say so)")
            return
        try:
            await self.client.views_update(
                view_id=str(view.get("id") or ""),
                hash=str(view.get("hash") or ""),
                view=modal.form_view(form, answers, ctx, meta),
            )
        except SlackApiError as error:
            log.info("modal not updated (the user may have changed it again): %s", error)

    async def _on_submission(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """A submitted modal: validated by the turn loop before the ack, errors under the fields.

        The turn loop answers in the person's DM and decides whether the form and fields named
        are ones their conversation offers: the view's metadata is not trusted for either. The
        turn waits for an unreachable database only as long as Slack waits for the ack; then a
        view pushed over the form says nothing was saved, and closing it goes back to the
        answers. The turn loop keeps this turn in order with the DM's.
        """
        arrived = asyncio.get_running_loop().time()
        meta = modal.ModalMeta.loads(str(view.get("private_metadata") or ""))
        user = str((body.get("user") or {}).get("id") or "")
        if meta is None or not user:
            await ack()
            return
        values = modal.state_values(view.get("state") or {}, self.timezone)
        form = self.hub.registry.forms.get(meta.form_id)
        advice = form_stop(form, modal.as_answers(values)) if form else ""
        if form is not None and advice:
            await ack(response_action="update", view=modal.message_view(form.title, advice))
            return
        address = await self._dm_address(team_of(body), user)
        event_id = f"view:{view.get('id', '')}:{view.get('hash', '')}"
        result = await self._handle(
            address, event_id, FormInput(meta.form_id, values), arrived, MODAL_PATIENCE
        )
        if result.unsaved:
            title = form.title if form else "Saferhub"
            await ack(
                response_action="push", view=modal.message_view(title, MODAL_NOT_SAVED, "Back")
            )
            return
        if result.errors:
            await ack(response_action="errors", errors=modal.block_errors(result.errors, values))
            return
        await ack()
        if not result.duplicate:
            self.lanes.spawn(self._answer(address, event_id, result))
