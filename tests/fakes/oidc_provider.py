"""An OpenID Connect provider played by a small aiohttp app on 127.0.0.1, like Entra ID or Slack.

It serves discovery, its keys (JWKS), an authorize endpoint that signs in at once whoever the
test chose (`who`) and sends the browser back with a code, and a token endpoint that swaps a
code for an ID token signed with an RSA key it made, checking the client's secret, the redirect
URI and the PKCE verifier, and taking each code once. `tamper` changes the next ID tokens' claims
(a wrong audience, issuer, nonce, an expired token), `forge` signs them with a key it does not
publish, and `fail` makes an endpoint answer with a status instead.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer
from joserfc import jwt
from joserfc.jwk import RSAKey

from bot.clock import Clock


@dataclass
class Grant:
    """A code the authorize endpoint gave, waiting to be swapped for tokens."""

    claims: dict[str, Any]
    nonce: str
    challenge: str
    redirect_uri: str
    client_id: str


@dataclass
class FakeProvider:
    """An OpenID Connect provider for `client_id`/`client_secret`, its times from `clock`."""

    clock: Clock
    client_id: str = "hub-client"
    client_secret: str = "hub-secret"
    who: dict[str, Any] = field(
        default_factory=lambda: {"email": "priya@example.org", "email_verified": True}
    )
    """The claims of whoever signs in next (besides iss, aud, exp, iat, nonce, sub)."""
    tamper: dict[str, Any] = field(default_factory=dict)
    """Claims put over the ID token's own (None removes one)."""
    forge: bool = False
    """Sign ID tokens with a key the JWKS does not hold (under a published key's kid)."""
    fail: dict[str, int] = field(default_factory=dict)
    """Endpoint name ("discovery", "jwks", "token") to the status it answers with."""
    deny: str = ""
    """An error the authorize endpoint sends back instead of a code (access_denied)."""
    grants: dict[str, Grant] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)
    server: TestServer | None = None

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})

    @property
    def base(self) -> str:
        assert self.server is not None, "start() the fake first"
        return str(self.server.make_url("")).rstrip("/")

    @property
    def discovery(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.configuration)
        app.router.add_get("/jwks", self.jwks)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def _failed(self, endpoint: str) -> web.Response | None:
        status = self.fail.get(endpoint)
        return web.json_response({"error": "server_error"}, status=status) if status else None

    async def configuration(self, request: web.Request) -> web.Response:
        return self._failed("discovery") or web.json_response(
            {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        return self._failed("jwks") or web.json_response(
            {"keys": [self.key.as_dict(private=False)]}
        )

    async def authorize(self, request: web.Request) -> web.Response:
        """Sign in `who` at once and send the browser back with a code and the state."""
        query = request.query
        assert query["response_type"] == "code" and "openid" in query["scope"].split()
        assert query["code_challenge_method"] == "S256"
        back: dict[str, str] = {"state": query.get("state", "")}
        if self.deny:
            back["error"] = self.deny
        else:
            code = secrets.token_urlsafe(16)
            self.grants[code] = Grant(
                dict(self.who),
                query["nonce"],
                query["code_challenge"],
                query["redirect_uri"],
                query["client_id"],
            )
            back["code"] = code
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    async def token(self, request: web.Request) -> web.Response:
        """Swap a code for an ID token, once, for the client that asked for it."""
        failed = self._failed("token")
        if failed:
            return failed
        form = await request.post()
        code = str(form.get("code", ""))
        grant = self.grants.pop(code, None)
        if grant is None or code in self.used:
            return web.json_response({"error": "invalid_grant"}, status=400)
        self.used.append(code)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        if (
            form.get("grant_type") != "authorization_code"
            or form.get("client_id") != grant.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != grant.redirect_uri
            or base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant.challenge
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.base,
            "aud": grant.client_id,
            "sub": secrets.token_hex(8),
            "iat": now,
            "exp": now + 3600,
            "nonce": grant.nonce,
            **grant.claims,
        }
        for name, value in self.tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.other_key if self.forge else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, key)
        return web.json_response(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )
