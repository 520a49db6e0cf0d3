"""Azure OpenAI through the real azure-identity: ``ClientSecretCredential`` pointed at a
local Entra ID authority (HTTPS with a self-signed certificate, trusted through
``REQUESTS_CA_BUNDLE``) that serves OpenID discovery and the client-credentials grant."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qs

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import azure_openai as azure_replies
from llmsdk.testing.clouds import FakeCloud

TENANT = "00000000-0000-0000-0000-000000000001"
SCOPE = "https://cognitiveservices.azure.com/.default"


def _self_signed(directory: Path) -> Dict[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    paths = {"cert": str(directory / "cert.pem"), "key": str(directory / "key.pem")}
    Path(paths["cert"]).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(paths["key"]).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return paths


class _Authority:
    """OpenID discovery + a token endpoint issuing ``entra-<n>`` for the right secret."""

    def __init__(self, tls: Dict[str, str]) -> None:
        self.grants: List[Dict[str, List[str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802
                base = owner.url + "/" + TENANT
                if self.path.startswith(f"/{TENANT}/v2.0/.well-known/openid-configuration"):
                    self._json(200, {"token_endpoint": base + "/oauth2/v2.0/token",
                                     "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                                     "issuer": base + "/v2.0", "device_authorization_endpoint": base + "/devicecode"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                owner.grants.append(form)
                ok = (self.path == f"/{TENANT}/oauth2/v2.0/token" and form.get("grant_type") == ["client_credentials"]
                      and form.get("client_secret") == ["s3cret"] and form.get("scope") == [SCOPE])
                if ok:
                    self._json(200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                                     "access_token": f"entra-{len(owner.grants)}"})
                else:
                    self._json(401, {"error": "invalid_client", "error_description": "bad grant"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls["cert"], tls["key"])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Authority]:
    pytest.importorskip("azure.identity")
    tls = _self_signed(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls["cert"])
    server = _Authority(tls)
    yield server
    server.close()


def test_client_secret_credential_at_a_local_authority(server: FakeProviderServer, authority: _Authority) -> None:
    from azure.identity import ClientSecretCredential, get_bearer_token_provider

    credential = ClientSecretCredential(TENANT, "client-id", "s3cret", authority=authority.url,
                                        disable_instance_discovery=True)
    cloud = FakeCloud(server, "azure_openai", token_ok=lambda token: token.startswith("entra-"))
    cloud.add_reply(azure_replies.text_reply("one"), azure_replies.text_reply("two"))
    client = LLMClient.new(HttpClientOptions.new_azure_openai(
        server.url, token_provider=get_bearer_token_provider(credential, SCOPE)))
    assert authority.grants == []  # nothing fetched at construction
    request = LLMRequest(model="prod-4o", messages=[LLMMessage.user("hi")], max_tokens=5)
    assert client.complete(request).text == "one"
    assert client.complete(request).text == "two"
    assert len(authority.grants) == 1  # azure-identity caches the token until near its expiry
    assert cloud.tokens_seen == ["entra-1", "entra-1"]
