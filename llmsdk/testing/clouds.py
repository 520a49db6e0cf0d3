"""Azure OpenAI and Vertex AI on ``FakeProviderServer``: their routes, their auth, and a
Google OAuth token endpoint, so cloud code (credentials included) is tested offline.

``FakeCloud(server, "azure_openai" | "vertex")`` answers the cloud's model routes with
the replies you queue (``add_reply``), after checking the request as the cloud would: the
path shape (an ``api-version`` on Azure's classic route; Vertex's publisher paths), the
credential (``api_key=`` for ``api-key`` / ``x-goog-api-key``, ``token_ok(token)`` for a
bearer token; a refusal is a 401 in the cloud's error shape) and, for Claude on Vertex,
a body without ``model`` and with ``anthropic_version``. ``tokens_seen`` lists the bearer
tokens that reached it.

``GoogleTokenEndpoint(server)`` is an OAuth 2.0 token endpoint for service accounts:
``service_account()`` makes a key (its own RSA key pair) whose ``token_uri`` points at the
server, and the endpoint verifies each JWT assertion's signature, issuer, scope and
expiry before it issues ``ya29.fake-<n>`` tokens (``expires_in`` seconds, default 3600).
Needs ``cryptography`` (a dependency of google-auth).

>>> with FakeProviderServer() as server:
...     tokens = GoogleTokenEndpoint(server)
...     vertex = FakeCloud(server, "vertex", token_ok=tokens.is_valid)
...     vertex.add_reply(gemini.text_reply("Hi"))
...     opts = HttpClientOptions.new_vertex(credentials=tokens.service_account(), location="us-central1",
...                                         api_base=server.url)
...     LLMClient.new(opts).complete(LLMRequest(model="gemini-2.5-flash", messages=[...])).text
'Hi'
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional
from urllib.parse import parse_qs

from llmsdk.testing.server import FakeProviderServer, RecordedRequest, ScriptedReply

__all__ = ["FakeCloud", "GoogleTokenEndpoint", "ROUTES"]

#: The model routes each cloud serves.
ROUTES = {
    "azure_openai": re.compile(
        r"^/openai/(v1/(chat/completions|responses|embeddings)|deployments/[^/]+/(chat/completions|embeddings)"
        r"|responses)$"),
    "vertex": re.compile(
        r"^/v1(beta1)?/(projects/[^/]+/locations/[^/]+/)?publishers/(google|anthropic)/models/[^/:]+"
        r":(streamGenerateContent|generateContent|streamRawPredict|rawPredict|countTokens|predict)$"
        r"|^/v1/projects/[^/]+/locations/[^/]+/workspaces/[^/]+/invoke/v1/messages(/count_tokens)?$"),
}


def _error(provider: str, status: int, message: str) -> ScriptedReply:
    if provider == "vertex":
        kind = {401: "UNAUTHENTICATED", 400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}.get(status, "INTERNAL")
        return ScriptedReply.json(status, {"error": {"code": status, "message": message, "status": kind}})
    code = {401: "401", 400: "BadRequest", 404: "DeploymentNotFound"}.get(status, "InternalServerError")
    return ScriptedReply.json(status, {"error": {"code": code, "message": message}})


class FakeCloud:
    """One cloud's model routes on ``server`` (see the module docstring)."""

    def __init__(self, server: FakeProviderServer, provider: str, *, api_key: Optional[str] = None,
                 token_ok: Optional[Callable[[str], bool]] = None) -> None:
        if provider not in ROUTES:
            raise ValueError(f"FakeCloud serves {sorted(ROUTES)}, not {provider!r}")
        self.provider = provider
        self.api_key = api_key
        self.token_ok = token_ok or (lambda token: True)
        self.tokens_seen: List[str] = []
        self._replies: Deque[ScriptedReply] = deque()
        self._lock = threading.Lock()
        server.route(ROUTES[provider], self._handle)

    def add_reply(self, *replies: ScriptedReply) -> "FakeCloud":
        with self._lock:
            self._replies.extend(replies)
        return self

    def _authorized(self, request: RecordedRequest) -> bool:
        headers = {k.lower(): v for k, v in request.headers.items()}
        bearer = headers.get("authorization", "")
        if bearer.startswith("Bearer "):
            token = bearer[len("Bearer "):]
            with self._lock:
                self.tokens_seen.append(token)
            return bool(self.token_ok(token))
        key = headers.get("api-key" if self.provider == "azure_openai" else "x-goog-api-key")
        return key is not None and self.api_key is not None and key == self.api_key

    def _problem(self, request: RecordedRequest) -> Optional[ScriptedReply]:
        """The 4xx the cloud would answer a malformed request with, if any."""
        classic = "/deployments/" in request.path or request.path == "/openai/responses"
        if self.provider == "azure_openai" and classic:
            if "api-version" not in parse_qs(request.query):
                return _error(self.provider, 404, "Resource not found (the classic route needs api-version)")
        if self.provider == "vertex" and "/publishers/anthropic/" in request.path and request.method == "POST":
            body = request.json or {}
            if "anthropic_version" not in body:
                return _error(self.provider, 400, "anthropic_version: field required")
            if "model" in body and not request.path.endswith("count-tokens:rawPredict"):
                return _error(self.provider, 400, "model: Extra inputs are not permitted")
        return None

    def _handle(self, request: RecordedRequest) -> ScriptedReply:
        if not self._authorized(request):
            return _error(self.provider, 401, "Access denied due to invalid subscription key or expired token")
        problem = self._problem(request)
        if problem is not None:
            return problem
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return _error(self.provider, 500, "FakeCloud: no scripted reply")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GoogleTokenEndpoint:
    """A service-account OAuth token endpoint at ``{server.url}{path}`` (see the module
    docstring). ``issued`` lists the tokens it gave out; ``is_valid(token)`` says whether
    one was issued and has not expired (``expire_all()`` ages them all)."""

    def __init__(self, server: FakeProviderServer, path: str = "/token", *, expires_in: int = 3600) -> None:
        self.url = server.url + path
        self.expires_in = expires_in
        self.issued: List[str] = []
        self.rejected: List[str] = []
        self._expiry: Dict[str, float] = {}
        self._keys: Dict[str, Any] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        server.route(path, self._handle)

    def service_account(self, project_id: str = "fake-project", email: str = "llmsdk-test@fake-project.iam.gserviceaccount.com") -> Dict[str, Any]:
        """A service-account key dict (as downloaded from the console) with a fresh RSA key
        and ``token_uri`` pointing here."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode("ascii")
        key_id = f"fake-key-{next(self._numbers)}"
        with self._lock:
            self._keys[email] = private.public_key()
        return {
            "type": "service_account", "project_id": project_id, "private_key_id": key_id, "private_key": pem,
            "client_email": email, "client_id": "1234567890", "token_uri": self.url,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        }

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and expiry > time.time()

    def expire_all(self) -> None:
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = 0.0

    def _verify(self, assertion: str) -> Optional[str]:
        """Why ``assertion`` is refused, or None if it is a good JWT grant."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(_unb64url(head))
            claims = json.loads(_unb64url(payload))
        except ValueError:
            return "malformed JWT"
        if header.get("alg") != "RS256":
            return "alg must be RS256"
        with self._lock:
            public = self._keys.get(claims.get("iss"))
        if public is None:
            return f"unknown issuer {claims.get('iss')!r}"
        try:
            public.verify(_unb64url(signature), f"{head}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return "bad signature"
        now = time.time()
        if not claims.get("exp", 0) > now >= claims.get("iat", now + 1) - 60:
            return "expired or not yet valid"
        if claims.get("aud") not in (self.url, "https://oauth2.googleapis.com/token"):
            return f"wrong audience {claims.get('aud')!r}"
        if "https://www.googleapis.com/auth/cloud-platform" not in str(claims.get("scope", "")).split():
            return "the cloud-platform scope is missing"
        return None

    def _handle(self, request: RecordedRequest) -> ScriptedReply:
        form = parse_qs(request.body.decode("utf-8"))
        grant = (form.get("grant_type") or [""])[0]
        assertion = (form.get("assertion") or [""])[0]
        reason = "unsupported grant_type" if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" \
            else self._verify(assertion)
        if reason is not None:
            with self._lock:
                self.rejected.append(reason)
            return ScriptedReply.json(400, {"error": "invalid_grant", "error_description": reason})
        token = f"ya29.fake-{next(self._numbers)}"
        with self._lock:
            self.issued.append(token)
            self._expiry[token] = time.time() + self.expires_in
        return ScriptedReply.json(200, {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"})
