"""Sign-in with OpenID Connect providers (Microsoft Entra ID, Slack): the authorization code
flow with PKCE, the ID token checked against the provider's published keys, then the person
matched to the directory by the email address the provider vouches for.

Between leaving for the provider and coming back, the state, nonce, PKCE verifier and where to
go next wait in a short-lived cookie signed with a key every replica shares, so whichever
replica takes the callback can check it. Anything that goes wrong ends on a plain page (400,
403 or 502), logged without tokens or personal data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from bot.config import IdentityProvider, Settings
from bot.conversation import visits
from bot.web import pages

log = logging.getLogger(__name__)

FLOW_COOKIE = "saferhub_oidc"
FLOW_VALID = timedelta(minutes=10)
"""How long a person has at the provider before the sign-in must start again."""
LEEWAY_SECONDS = 120
"""Clock difference allowed between the provider and the hub for an ID token's exp and iat."""
DISCOVERY_KEPT = timedelta(hours=1)
TIMEOUT = aiohttp.ClientTimeout(total=10)
ALGORITHMS = ["RS256"]
"""What Entra ID and Slack sign ID tokens with; `none` and HMAC are never accepted."""
DEVELOPMENT_SECRET = b"saferhub-development-web-secret-not-secret"


class Stop(Enum):
    """Why a sign-in with a provider ended without a session: the status and what to say."""

    STATE = (
        400,
        "This sign-in has expired or did not start on this hub. "
        "Go back to the sign-in page and try again.",
    )
    DECLINED = (
        403,
        "{label} did not sign you in. Go back to the sign-in page and try again, "
        "or use a one-time sign-in link.",
    )
    UNTRUSTED = (
        403,
        "The answer from {label} could not be checked, so you have not been signed in. "
        "Go back to the sign-in page and try again.",
    )
    UNVERIFIED = (
        403,
        "{label} has not confirmed your email address, so you have not been signed in. "
        "Confirm it with {label}, or ask your hub administrator for a sign-in link.",
    )
    UNREACHABLE = (
        502,
        "{label} could not be reached just now, so you have not been signed in. "
        "Please try again in a few minutes, or use a one-time sign-in link.",
    )


class SignInStopped(Exception):
    """A sign-in ended at `stop`; `detail` is for the log and holds no token or personal data."""

    def __init__(self, stop: Stop, detail: str) -> None:
        super().__init__(detail)
        self.stop = stop
        self.detail = detail


@dataclass(frozen=True)
class Metadata:
    """What a provider's discovery document says about it."""

    issuer: str
    authorize: str
    token: str
    jwks_uri: str


@dataclass
class Cache:
    """The providers' discovery documents and keys, kept between sign-ins (keys fetched again
    when a token names one not seen yet: the provider rotated them)."""

    metadata: dict[str, tuple[Metadata, datetime]] = field(default_factory=dict)
    keys: dict[str, KeySet] = field(default_factory=dict)


CACHE_KEY = web.AppKey("oidc_cache", Cache)


@dataclass(frozen=True)
class Flow:
    """One sign-in between leaving for the provider and coming back."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    until: float


def add_routes(app: web.Application) -> None:
    app[CACHE_KEY] = Cache()
    app.router.add_get("/sign-in/{name}", leave)
    app.router.add_get("/sign-in/{name}/callback", come_back)


def offered(settings: Settings) -> tuple[IdentityProvider, ...]:
    """The providers the sign-in page offers: those configured."""
    return settings.identity_providers


def redirect_uri(settings: Settings, provider: IdentityProvider) -> str:
    return f"{settings.public_url}{pages.PREFIX}/sign-in/{provider.name}/callback"


# -- the flow cookie ------------------------------------------------------------------------------


def flow_key(settings: Settings) -> bytes:
    """The key that signs flow cookies: from SAFERHUB_WEB_SECRET, else the audit key, else a
    development key (with a warning: anyone could forge a flow cookie)."""
    secret = settings.web_secret or settings.audit_key
    if secret is None:
        log.warning("SAFERHUB_WEB_SECRET is not set: sign-in cookies use a development key")
        secret = DEVELOPMENT_SECRET
    return hmac.new(secret, b"saferhub web sign-in flow", hashlib.sha256).digest()


def seal(flow: Flow, key: bytes) -> str:
    body = base64.urlsafe_b64encode(json.dumps(flow.__dict__).encode()).decode()
    return f"{body}.{hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


def unseal(value: str, key: bytes) -> Flow | None:
    """The flow in a cookie, or None when it was not signed with `key` or is malformed."""
    body, _, signature = value.partition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(signature, expected):
        return None
    try:
        return Flow(**json.loads(base64.urlsafe_b64decode(body)))
    except (ValueError, TypeError):
        return None


def challenge(verifier: str) -> str:
    """PKCE's S256 code challenge for `verifier`."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# -- the two legs ---------------------------------------------------------------------------------


def provider_of(request: web.Request) -> IdentityProvider:
    name = request.match_info["name"]
    settings = pages.hub_of(request).settings
    found = next((p for p in offered(settings) if p.name == name), None)
    if found is None:
        raise web.HTTPNotFound()
    return found


async def leave(request: web.Request) -> web.StreamResponse:
    """Send the person to the provider's sign-in, remembering the flow in a cookie."""
    provider = provider_of(request)
    hub = pages.hub_of(request)
    try:
        metadata = await discover(request, provider)
    except SignInStopped as stopped:
        return stopped_page(request, provider, stopped)
    flow = Flow(
        provider.name,
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(48),
        pages.next_of(request),
        (hub.clock.now() + FLOW_VALID).timestamp(),
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri(hub.settings, provider),
            "scope": "openid email profile",
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": challenge(flow.verifier),
            "code_challenge_method": "S256",
        }
    )
    response = web.Response(status=302, headers={"Location": f"{metadata.authorize}?{query}"})
    response.set_cookie(
        FLOW_COOKIE,
        seal(flow, flow_key(hub.settings)),
        max_age=int(FLOW_VALID.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.config_dict[pages.SETTINGS_KEY],
        path=f"{pages.PREFIX}/sign-in/{provider.name}",
    )
    return response


async def come_back(request: web.Request) -> web.StreamResponse:
    """The provider's answer: check it, then open a session for the person it vouches for."""
    provider = provider_of(request)
    hub = pages.hub_of(request)
    response: web.StreamResponse
    try:
        flow = flow_of(request, provider)
        email = await signed_in_email(request, provider, flow)
    except SignInStopped as stopped:
        response = stopped_page(request, provider, stopped)
    else:
        entry = await visits.enter_by_email(hub, email, provider.name)
        response = pages.enter(request, entry, flow.next)
    response.del_cookie(FLOW_COOKIE, path=f"{pages.PREFIX}/sign-in/{provider.name}")
    return response


def flow_of(request: web.Request, provider: IdentityProvider) -> Flow:
    """The flow this callback finishes: signed by this hub, for this provider, in time, and
    with the state the provider was given."""
    hub = pages.hub_of(request)
    flow = unseal(request.cookies.get(FLOW_COOKIE, ""), flow_key(hub.settings))
    if flow is None or flow.provider != provider.name:
        raise SignInStopped(Stop.STATE, "no flow cookie, or not signed by this hub")
    if hub.clock.now().timestamp() > flow.until:
        raise SignInStopped(Stop.STATE, "the flow cookie has expired")
    if not hmac.compare_digest(request.query.get("state", ""), flow.state):
        raise SignInStopped(Stop.STATE, "the state does not match the flow cookie")
    if "error" in request.query:
        raise SignInStopped(Stop.DECLINED, f"the provider said {request.query['error'][:60]!r}")
    if not request.query.get("code"):
        raise SignInStopped(Stop.STATE, "no code in the callback")
    return flow


async def signed_in_email(request: web.Request, provider: IdentityProvider, flow: Flow) -> str:
    """Exchange the callback's code for an ID token, check it, and read the email address."""
    hub = pages.hub_of(request)
    metadata = await discover(request, provider)
    answer = await fetch_json(
        "token",
        metadata.token,
        {
            "grant_type": "authorization_code",
            "code": request.query["code"],
            "redirect_uri": redirect_uri(hub.settings, provider),
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "code_verifier": flow.verifier,
        },
    )
    id_token = answer.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        error = str(answer.get("error", "no ID token"))[:60]
        raise SignInStopped(Stop.DECLINED, f"the token endpoint refused the code: {error!r}")
    claims = await verified_claims(request, provider, metadata, id_token, flow.nonce)
    return email_in(provider, claims)


async def verified_claims(
    request: web.Request,
    provider: IdentityProvider,
    metadata: Metadata,
    id_token: str,
    nonce: str,
) -> dict[str, Any]:
    """The ID token's claims, once its signature, issuer, audience, times and nonce check out."""
    cache = request.config_dict[CACHE_KEY]
    now = int(pages.hub_of(request).clock.now().timestamp())
    try:
        keys = cache.keys.get(provider.name) or await fetch_keys(cache, provider, metadata)
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            keys = await fetch_keys(cache, provider, metadata)
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        raise SignInStopped(Stop.UNTRUSTED, f"the ID token was refused: {error}") from None
    return token.claims


def email_in(provider: IdentityProvider, claims: dict[str, Any]) -> str:
    """The email address the ID token vouches for: the first of the provider's email claims,
    refused when the token says it is unverified (or, for a provider that says, does not say
    it is verified)."""
    verified = claims.get("email_verified")
    if (
        verified is False
        or verified == "false"
        or (provider.verified_only and verified not in (True, "true"))
    ):
        raise SignInStopped(Stop.UNVERIFIED, "the ID token does not say the email is verified")
    email = next(
        (
            claims[c]
            for c in provider.email_claims
            if isinstance(claims.get(c), str) and "@" in claims[c]
        ),
        None,
    )
    if email is None:
        raise SignInStopped(Stop.UNVERIFIED, "the ID token has no email address")
    return str(email)


# -- talking to the provider ----------------------------------------------------------------------


async def discover(request: web.Request, provider: IdentityProvider) -> Metadata:
    """The provider's endpoints from its discovery document, kept for DISCOVERY_KEPT."""
    cache = request.config_dict[CACHE_KEY]
    now = pages.hub_of(request).clock.now()
    kept = cache.metadata.get(provider.name)
    if kept is not None and kept[1] > now:
        return kept[0]
    document = await fetch_json("discovery", provider.discovery)
    try:
        metadata = Metadata(
            str(document["issuer"]),
            str(document["authorization_endpoint"]),
            str(document["token_endpoint"]),
            str(document["jwks_uri"]),
        )
    except KeyError as error:
        raise SignInStopped(Stop.UNREACHABLE, f"discovery lacks {error}") from None
    cache.metadata[provider.name] = (metadata, now + DISCOVERY_KEPT)
    return metadata


async def fetch_keys(cache: Cache, provider: IdentityProvider, metadata: Metadata) -> KeySet:
    document = await fetch_json("keys", metadata.jwks_uri)
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise SignInStopped(
            Stop.UNREACHABLE, f"the provider's keys are unreadable: {error}"
        ) from None
    cache.keys[provider.name] = keys
    return keys


async def fetch_json(what: str, url: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON object from the provider (a POST of `form` when given). A 4xx answer is returned
    for the caller to read its error; no answer, a 5xx or anything but JSON stops the sign-in."""
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.request(
                "POST" if form is not None else "GET",
                url,
                data=form,
                headers={"Accept": "application/json"},
            ) as response,
        ):
            if response.status >= 500 or (form is None and response.status != 200):
                raise SignInStopped(Stop.UNREACHABLE, f"{what} answered {response.status}")
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
        raise SignInStopped(Stop.UNREACHABLE, f"{what}: {type(error).__name__}") from None
    if not isinstance(body, dict):
        raise SignInStopped(Stop.UNREACHABLE, f"{what} did not answer a JSON object")
    return body


def stopped_page(
    request: web.Request, provider: IdentityProvider, stopped: SignInStopped
) -> web.Response:
    log.warning("sign-in with %s stopped: %s", provider.name, stopped.detail)
    status, note = stopped.stop.value
    return pages.page(
        request,
        "message.html",
        {"heading": "You have not been signed in", "notes": [note.format(label=provider.label)]},
        status,
    )
