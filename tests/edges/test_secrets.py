"""Keys trimmed and checked at construction; credential-bearing headers never shown or
recorded; no redirect followed for a POST and no credential sent to another host."""

from __future__ import annotations

import json

import pytest

from llmsdk import HttpClientOptions, LLMClient
from llmsdk._engine.recording import ENV_VAR
from llmsdk.errors import InvalidConfigError, InvalidResponseCodeError
from llmsdk.providers.base import PreparedRequest
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic as A

from ..conftest import TEST_KEY, simple_request


def test_a_key_with_a_trailing_newline_is_trimmed_and_works(server) -> None:
    server.add_reply(A.text_reply("ok"))
    options = HttpClientOptions.new_anthropic(f"  {TEST_KEY}\n", api_base=server.url)
    assert options.api_key is not None and options.api_key.expose_secret() == TEST_KEY
    with LLMClient.new(options) as client:
        assert client.complete(simple_request()).text == "ok"
    assert server.requests[0].headers["x-api-key"] == TEST_KEY


@pytest.mark.parametrize("bad", ["sk-ant-abc\x00def123", "sk-ant-abc\ndef123", "sk-ant-abc\x7fdef123"])
def test_a_control_character_inside_a_key_is_a_config_error_showing_no_key(bad: str) -> None:
    with pytest.raises(InvalidConfigError) as info:
        HttpClientOptions.new_anthropic(bad)
    text = str(info.value) + repr(info.value)
    assert not any(bad[i:i + 4] in text for i in range(len(bad) - 3)), text
    assert "control character" in text


def test_prepared_request_repr_masks_every_credential_header() -> None:
    prepared = PreparedRequest("https://x/v1", {"x-api-key": TEST_KEY, "Authorization": f"Bearer {TEST_KEY}",
                                                "X-Custom-Token": "tok-SECRET", "Content-Type": "json"}, {})
    text = repr(prepared)
    assert TEST_KEY not in text and "tok-SECRET" not in text and "'Content-Type': 'json'" in text


def test_recordings_leave_out_extra_and_custom_auth_headers(server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    server.add_reply(A.text_reply("ok"))
    options = HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url,
                                              extra_headers={"X-Custom-Token": "tok-SECRET-42", "X-Trace": "t1"})
    with LLMClient.new(options) as client:
        client.complete(simple_request())
    (request_file,) = tmp_path.glob("*.request.json")
    headers = json.loads(request_file.read_text())["headers"]
    assert headers.get("X-Trace") == "t1"
    for path in tmp_path.iterdir():
        assert b"tok-SECRET-42" not in path.read_bytes() and TEST_KEY.encode() not in path.read_bytes()


def test_a_redirected_post_is_not_followed(server) -> None:
    with FakeProviderServer() as elsewhere:
        elsewhere.add_reply(A.text_reply("stolen"))
        server.add_reply(ScriptedReply(status=307, headers={"Location": elsewhere.url + "/v1/messages"},
                                       body=[b""], framing="length", content_type="text/plain"))
        with LLMClient.new(HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url)) as client:
            with pytest.raises(InvalidResponseCodeError, match="redirected to .*does not follow") as info:
                client.complete(simple_request())
        assert info.value.status == 307
        assert len(server.requests) == 1 and elsewhere.requests == []


def test_no_credential_follows_a_redirect_to_another_host(server) -> None:
    with FakeProviderServer() as elsewhere:
        elsewhere.add_reply(ScriptedReply.json(200, {"ok": True}))
        server.add_reply(ScriptedReply(status=302, headers={"Location": elsewhere.url + "/file"}, body=[b""],
                                       framing="length", content_type="text/plain"))
        options = HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url,
                                                  extra_headers={"X-Custom-Token": "tok-SECRET"})
        with LLMClient.new(options) as client:
            result = client._engine.request_json("GET", server.url + "/file", {"x-api-key": TEST_KEY,
                                                                               "x-goog-api-key": TEST_KEY})
        assert result == {"ok": True}
        (sent,) = elsewhere.requests
        assert not {"x-api-key", "x-goog-api-key", "x-custom-token", "authorization"} & set(sent.headers)


def test_a_control_character_in_an_extra_header_is_a_config_error_showing_no_value() -> None:
    with pytest.raises(InvalidConfigError, match="'X-Custom-Token' header") as info:
        HttpClientOptions.new_anthropic(TEST_KEY, extra_headers={"X-Custom-Token": "tok-SECRET\r\nX: y"})
    assert "tok-SECRET" not in str(info.value)
    options = HttpClientOptions.new_anthropic(TEST_KEY, extra_headers={"X-Custom-Token": "tok-SECRET\n"})
    assert options.extra_headers == {"X-Custom-Token": "tok-SECRET"}
