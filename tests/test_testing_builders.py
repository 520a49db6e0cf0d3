"""``llmsdk.testing`` builders: one vocabulary for every provider, and the older call
forms still build the same replies."""

from __future__ import annotations

import inspect
import json

import pytest

from llmsdk.testing import anthropic, gemini, openai


def _json(reply: object) -> object:
    return json.loads(reply.body_bytes())  # type: ignore[attr-defined]


SHARED = {
    "text_reply": ["text", "chunk"],
    "tool_use_reply": ["name", "input", "tool_id", "text"],
    "error_reply": ["status", "message", "error_type", "headers"],
    "stream_error_reply": ["message", "error_type", "status", "text_before"],
    "truncated_reply": ["text", "chunk"],
}


@pytest.mark.parametrize("module", [anthropic, openai, gemini], ids=lambda m: m.__name__)
def test_every_module_speaks_the_shared_vocabulary(module: object) -> None:
    for name, params in SHARED.items():
        accepted = inspect.signature(getattr(module, name)).parameters
        assert [p for p in params if p not in accepted] == [], name


def test_anthropic_old_and_new_error_forms_agree() -> None:
    new = anthropic.error_reply(429, "slow down", headers={"retry-after": "0"})
    old = anthropic.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "0"})
    assert _json(new) == _json(old) == {"type": "error", "request_id": "req_fake",
                                        "error": {"type": "rate_limit_error", "message": "slow down"}}
    assert new.headers == old.headers and new.status == 429
    explicit = anthropic.error_reply(400, "too long", error_type="request_too_large")
    assert _json(explicit)["error"]["type"] == "request_too_large"  # type: ignore[index]


def test_anthropic_old_and_new_stream_error_forms_agree() -> None:
    new = anthropic.stream_error_reply("slow", status=429, text_before="x")
    assert new.body_bytes() == anthropic.stream_error_reply("rate_limit_error", "slow", text_before="x").body_bytes()
    default = anthropic.stream_error_reply().body_bytes()
    assert default == anthropic.stream_error_reply("overloaded_error").body_bytes()
    assert b'"type":"overloaded_error","message":"Overloaded"' in default


def test_openai_tool_call_reply_is_tool_use_reply() -> None:
    assert (openai.tool_call_reply("f", {"a": 1}, dialect="groq", tool_id="c").body_bytes()
            == openai.tool_use_reply("f", {"a": 1}, dialect="groq", tool_id="c").body_bytes())


def test_openai_error_types_follow_the_status() -> None:
    assert _json(openai.error_reply(429, "slow"))["error"] == {  # type: ignore[index]
        "message": "slow", "type": "tokens", "param": None, "code": "rate_limit_exceeded"}
    assert _json(openai.error_reply(503, "busy"))["error"]["type"] == "server_error"  # type: ignore[index]
    assert _json(openai.error_reply(400, "bad", error_type="invalid_request_error", code="x"))["error"][  # type: ignore[index]
        "code"] == "x"
    assert _json(openai.error_reply(429, "slow", dialect="openrouter")) == {"error": {"code": 429, "message": "slow"}}


def test_gemini_old_and_new_forms_agree() -> None:
    assert _json(gemini.error_reply(429, "Quota exceeded", retry_delay="37s")) == _json(
        gemini.error_reply(429, "RESOURCE_EXHAUSTED", "Quota exceeded", retry_delay="37s"))
    assert _json(gemini.error_reply()) == _json(gemini.error_reply(503, "UNAVAILABLE")) == _json(
        gemini.error_reply(code=503, status="UNAVAILABLE")) == {
        "error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    assert (gemini.stream_error_reply("Internal error", status=500, text_before="P").body_bytes()
            == gemini.stream_error_reply(500, "INTERNAL", "Internal error", text_before="P").body_bytes())
    assert gemini.text_reply("abcdef", chunk=2).body_bytes() == gemini.text_reply("abcdef", chunk_size=2).body_bytes()


def test_gemini_tool_use_reply_is_one_function_call() -> None:
    assert (gemini.tool_use_reply("f", {"a": 1}, tool_id="c1").body_bytes()
            == gemini.function_call_reply([gemini.function_call_part("f", {"a": 1}, "c1", gemini.SIGNATURE)])
            .body_bytes())
