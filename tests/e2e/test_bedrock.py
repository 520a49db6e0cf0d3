"""Bedrock end to end against FakeProviderServer: SigV4 recomputed by botocore at the
server (static keys, session token, a profile file, rotating credentials, a wrong
secret), Bedrock API keys, typed errors from ``x-amzn-ErrorType`` and exception frames,
retries before content, count_tokens, and boto3 reading the same bytes."""

from __future__ import annotations

import base64
import datetime
import itertools
import json
import os
import subprocess
import sys
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason, Usage
from llmsdk.errors import (
    AuthenticationError, BadRequestError, IncompleteStreamError, InvalidConfigError, PermissionDeniedError,
    ProviderStreamError, RateLimitError, UnsupportedFeatureError,
)
from llmsdk.testing import FakeProviderServer, anthropic, bedrock

botocore = pytest.importorskip("botocore")

NOVA = "amazon.nova-pro-v1:0"
CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
KEYS: Dict[str, Tuple[str, Optional[str]]] = {
    "AKIDSTATIC": ("static-secret", None),
    "ASIATEMP": ("temp-secret", "session-token-123"),
    "AKIDPROFILE": ("profile-secret", None),
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[FakeProviderServer]:
    """A server that checks SigV4 on the Bedrock routes; no ambient AWS settings leak in."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with FakeProviderServer() as server:
        bedrock.routes(server, KEYS)
        yield server


def ask(model: str = NOVA) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("Hi")], max_tokens=100)


def client(server: FakeProviderServer, **kwargs: Any) -> LLMClient:
    kwargs.setdefault("max_retries", 0)
    return LLMClient.new(HttpClientOptions.new_bedrock("us-east-1", api_base=server.url, **kwargs))


def test_static_keys_sign_converse(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.text_reply("Hello!", cache_reads=9, cache_writes=4))
    response = client(aws, credentials=("AKIDSTATIC", "static-secret")).complete(ask())
    assert response.text == "Hello!" and response.usage == Usage(25, 15, cache_reads=9, cache_writes=4)
    sent = aws.requests[0]
    assert sent.path == "/model/amazon.nova-pro-v1%3A0/converse-stream"
    assert sent.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDSTATIC/")
    assert "/us-east-1/bedrock/aws4_request" in sent.headers["authorization"]


def test_session_token_and_claude_invoke(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.claude_reply(anthropic.thinking_reply("Hmm.", "Yes.", signature="U2ln")))
    response = client(aws, credentials=("ASIATEMP", "temp-secret", "session-token-123")).complete(ask(CLAUDE))
    assert response.text == "Yes." and response.content[0].signature == "U2ln"
    assert aws.requests[0].headers["x-amz-security-token"] == "session-token-123"
    assert aws.requests[0].json["anthropic_version"] == "bedrock-2023-05-31"
    assert aws.requests[0].headers["x-amzn-bedrock-accept"] == "application/json"


def test_profile_file_region_and_credentials(aws: FakeProviderServer, tmp_path: Any) -> None:
    (tmp_path / "config").write_text("[profile work]\nregion = eu-west-3\n")
    (tmp_path / "credentials").write_text(
        "[work]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
    aws.add_reply(bedrock.text_reply("From the profile"))
    options = HttpClientOptions.new_bedrock(profile="work", api_base=aws.url, max_retries=0)
    assert LLMClient.new(options).complete(ask()).text == "From the profile"
    assert "/eu-west-3/bedrock/aws4_request" in aws.requests[0].headers["authorization"]
    assert HttpClientOptions.new_bedrock(profile="work").api_base == "https://bedrock-runtime.eu-west-3.amazonaws.com"


def test_rotating_credentials_are_fetched_per_attempt(aws: FakeProviderServer) -> None:
    from botocore.credentials import RefreshableCredentials

    keys = {f"AKIDROT{i}": (f"rot-secret-{i}", None) for i in range(4)}
    KEYS.update(keys)
    counter = itertools.count()

    def refresh() -> Dict[str, str]:  # inside botocore's mandatory-refresh window: renewed per attempt
        i = next(counter)
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
        return {"access_key": f"AKIDROT{i}", "secret_key": f"rot-secret-{i}", "token": None,
                "expiry_time": soon.isoformat()}

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    aws.add_reply(bedrock.error_reply(503, "busy"), bedrock.text_reply("after a retry"))
    c = client(aws, credentials=creds, max_retries=1)
    response = c.complete(ask())
    assert response.text == "after a retry"
    used = [r.headers["authorization"].split("Credential=")[1].split("/")[0] for r in aws.requests]
    assert len(used) == 2 and used[0] != used[1]  # each attempt signed with fresh credentials


def test_wrong_secret_is_403(aws: FakeProviderServer) -> None:
    with pytest.raises(PermissionDeniedError) as info:
        client(aws, credentials=("AKIDSTATIC", "not-the-secret")).complete(ask())
    assert info.value.status == 403 and info.value.error_type == "InvalidSignatureException"
    assert "not-the-secret" not in str(info.value)


def test_bedrock_api_key_is_a_bearer(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.text_reply("bearer ok"))
    assert client(aws, api_key="ABSKfake-key").complete(ask()).text == "bearer ok"
    assert aws.requests[0].headers["authorization"] == "Bearer ABSKfake-key"


@pytest.mark.parametrize("status, kind, cls", [
    (400, "ValidationException", BadRequestError), (429, "ThrottlingException", RateLimitError),
    (403, "AccessDeniedException", PermissionDeniedError), (401, "UnrecognizedClientException", AuthenticationError),
])
def test_http_errors_read_x_amzn_errortype(aws: FakeProviderServer, status: int, kind: str, cls: type) -> None:
    aws.add_reply(bedrock.error_reply(status, "nope", error_type=kind))
    with pytest.raises(cls) as info:
        client(aws, api_key="k").complete(ask())
    assert info.value.error_type == kind and "nope" in str(info.value)


def test_in_stream_throttling_before_content_is_retried(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.stream_error_reply("slow down"), bedrock.text_reply("second time"))
    response = client(aws, api_key="k", max_retries=1).complete(ask())
    assert response.text == "second time" and len(aws.requests) == 2


def test_in_stream_exception_after_content_keeps_the_partial(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.stream_error_reply("slow down", text_before="Partial an"))
    with pytest.raises(RateLimitError) as info:
        client(aws, api_key="k", max_retries=2).complete(ask())
    assert isinstance(info.value, ProviderStreamError)
    assert info.value.partial_response is not None and info.value.partial_response.text == "Partial an"
    assert len(aws.requests) == 1


def test_cut_frame_is_an_incomplete_stream(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.truncated_reply("Hello there"))
    with pytest.raises(IncompleteStreamError) as info:
        client(aws, api_key="k").complete(ask())
    assert info.value.partial_response is not None and info.value.partial_response.text == "Hello there"


def test_count_tokens(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.ScriptedReply.json(200, {"inputTokens": 42}), bedrock.ScriptedReply.json(200, {"inputTokens": 7}))
    c = client(aws, credentials=("AKIDSTATIC", "static-secret"))
    assert c.count_tokens(ask()) == 42 and c.count_tokens(ask(CLAUDE)) == 7
    first, second = aws.requests
    assert first.path == "/model/amazon.nova-pro-v1%3A0/count-tokens"
    assert set(first.json["input"]) == {"converse"} and set(second.json["input"]) == {"invokeModel"}
    assert json.loads(base64.b64decode(second.json["input"]["invokeModel"]["body"]))["anthropic_version"]


def test_batches_are_unsupported(aws: FakeProviderServer) -> None:
    with pytest.raises(UnsupportedFeatureError, match="S3"):
        client(aws, api_key="k").batches.submit({"a": ask()})


def test_boto3_reads_the_same_bytes(aws: FakeProviderServer) -> None:
    boto3 = pytest.importorskip("boto3")
    reply = bedrock.stream([bedrock.reasoning_block(0, "Think.", "c2ln"), bedrock.text_block(1, "Answer."),
                            bedrock.tool_use_block(2, "f", {"a": 1})], stop_reason="tool_use", cache_reads=3)
    aws.add_reply(reply, reply)
    ours = client(aws, api_key="k").complete(ask())
    boto = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=aws.url,
                        aws_access_key_id="AKIDSTATIC", aws_secret_access_key="static-secret")
    events = list(boto.converse_stream(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "Hi"}]}])["stream"])
    text = "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in events if "contentBlockDelta" in e)
    tool_input = "".join(e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events
                         if "toolUse" in e.get("contentBlockDelta", {}).get("delta", {}))
    usage = next(e["metadata"]["usage"] for e in events if "metadata" in e)
    stop = next(e["messageStop"]["stopReason"] for e in events if "messageStop" in e)
    assert ours.text == text and ours.tool_uses[0].input == json.loads(tool_input)
    assert ours.usage.cache_reads == usage["cacheReadInputTokens"] and ours.stop_reason == StopReason(stop)


def test_region_is_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(InvalidConfigError, match="AWS_REGION"):
        HttpClientOptions.new_bedrock(api_key="k")
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    assert HttpClientOptions.new_bedrock(api_key="k").api_base == "https://bedrock-runtime.ap-northeast-1.amazonaws.com"


def test_from_env(aws: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSK-env-key")
    options = HttpClientOptions.from_env("bedrock")
    assert options.api_base == "https://bedrock-runtime.us-west-2.amazonaws.com" and options.signer is None
    assert "ABSK-env-key" not in repr(options)
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTATIC")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "static-secret")
    monkeypatch.setenv("BEDROCK_BASE_URL", aws.url)
    aws.add_reply(bedrock.text_reply("env chain"))
    assert LLMClient.from_env("bedrock", max_retries=0).complete(ask()).text == "env chain"
    assert "/us-west-2/bedrock/" in aws.requests[0].headers["authorization"]


def test_no_credentials_is_a_config_error(aws: FakeProviderServer) -> None:
    with pytest.raises(InvalidConfigError, match="no AWS credentials"):
        client(aws).complete(ask())


def test_import_llmsdk_loads_no_botocore() -> None:
    probe = ("import sys, llmsdk\nfrom llmsdk import HttpClientOptions\n"
             "HttpClientOptions.new_bedrock('us-east-1', api_key='k')\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_signing_logs_no_session_token(aws: FakeProviderServer, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    aws.add_reply(bedrock.text_reply("quiet"))
    with caplog.at_level(logging.DEBUG):
        client(aws, credentials=("ASIATEMP", "temp-secret", "session-token-123")).complete(ask())
    assert "session-token-123" not in caplog.text and "temp-secret" not in caplog.text


def test_echo_route_serves_both_paths() -> None:
    with FakeProviderServer() as server:
        server.route(bedrock.ROUTE, bedrock.echo)
        c = LLMClient.new_bedrock(HttpClientOptions.new_bedrock("us-east-1", api_key="k", api_base=server.url))
        assert c.complete(ask()).text == "Hi" and c.complete(ask(CLAUDE)).text == "Hi"
        assert c.count_tokens(ask()) >= 1


def test_structured_output_on_both_paths(aws: FakeProviderServer) -> None:
    from dataclasses import dataclass

    @dataclass
    class City:
        name: str
        country: str

    aws.add_reply(bedrock.text_reply('{"name": "Paris", "country": "France"}'),
                  bedrock.claude_reply(anthropic.output_tool_reply("City", {"name": "Oslo", "country": "Norway"})))
    c = client(aws, api_key="k")
    assert c.parse(ask(), City) == City("Paris", "France")
    assert aws.requests[0].json["outputConfig"]["textFormat"]["type"] == "json_schema"
    old_claude = "us.anthropic.claude-3-5-haiku-20241022-v1:0"  # the registry says: a forced output tool
    assert c.parse(ask(old_claude), City) == City("Oslo", "Norway")
    assert aws.requests[1].json["tool_choice"] == {"type": "tool", "name": "City"}


def test_request_id_from_amzn_header(aws: FakeProviderServer) -> None:
    aws.add_reply(bedrock.error_reply(400, "bad"))
    with pytest.raises(BadRequestError) as info:
        client(aws, api_key="k").complete(ask())
    assert info.value.request_id == "fake-request-id"


def test_recordings_keep_no_session_token(aws: FakeProviderServer, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Any) -> None:
    monkeypatch.setenv("LLMSDK_RECORD_DIR", str(tmp_path / "rec"))
    aws.add_reply(bedrock.text_reply("recorded"))
    client(aws, credentials=("ASIATEMP", "temp-secret", "session-token-123")).complete(ask())
    written = [p.read_bytes() for p in (tmp_path / "rec").rglob("*") if p.is_file()]
    assert written and not [w for w in written if b"session-token-123" in w or b"temp-secret" in w]
