"""The one precedence rule for which field of an error body names the error type, and
the stream exception built from an ``ErrorInfo`` (``llmsdk/_core/error_bodies.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmsdk._core.error_bodies import ErrorInfo, generic_error_info, stream_error
from llmsdk.errors import ProviderStreamError, RateLimitError
from llmsdk.providers.gemini.errors import error_info as gemini_error_info
from llmsdk.providers.openrouter.errors import error_info as openrouter_error_info


@pytest.mark.parametrize("err, expected", [
    ({"type": "invalid_request_error", "code": "context_length_exceeded"}, "context_length_exceeded"),  # known code
    ({"type": "invalid_request_error", "code": "unknown_parameter"}, "invalid_request_error"),  # unknown code
    ({"type": "tokens", "code": "rate_limit_exceeded"}, "rate_limit_exceeded"),
    ({"status": "RESOURCE_EXHAUSTED", "code": 429}, "RESOURCE_EXHAUSTED"),  # a numeric code is no type
    ({"type": "overloaded_error", "status": "UNAVAILABLE"}, "overloaded_error"),  # type, then status
    ({"code": "server_error"}, "server_error"),  # an unknown-to-anyone string code, last
    ({"code": 502}, None),
])
def test_which_field_names_the_type(err: Any, expected: Any) -> None:
    body = {"error": {"message": "m", **err}}
    assert generic_error_info(400, body).type == expected
    assert generic_error_info(400, json.dumps(body)).type == expected  # text or parsed: alike


def test_numeric_code_is_the_status_the_body_names() -> None:
    assert generic_error_info(None, {"error": {"message": "m", "code": 429}}).status == 429
    assert generic_error_info(None, {"error": {"message": "m", "code": True}}).status is None


@pytest.mark.parametrize("body, message, etype", [
    ('{"error": "model is loading"}', "model is loading", None),
    ('{"message": "bad thing", "type": "BadRequestError", "code": 400}', "bad thing", "BadRequestError"),
    ("<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>", None),
    ("", "HTTP 502", None),
])
def test_other_shapes(body: str, message: str, etype: Any) -> None:
    info = generic_error_info(502, body)
    assert (info.message, info.type) == (message, etype)


def test_a_gemini_reason_beats_the_status_and_details_are_read() -> None:
    body = {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}
    assert gemini_error_info(400, body) == ErrorInfo("API key not valid.", "API_KEY_INVALID", status=400)
    other = {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SOMETHING_NEW"}]}}
    assert gemini_error_info(400, other).type == "INVALID_ARGUMENT"  # an unknown reason does not win
    wrapped = gemini_error_info(400, "[" + json.dumps(body) + "]")  # without alt=sse
    assert wrapped.type == "API_KEY_INVALID"


def test_openrouter_metadata_joins_the_message() -> None:
    body = {"error": {"code": 403, "message": "Input flagged", "metadata": {"provider_name": "OpenAI",
                                                                           "raw": {"reasons": ["violence"]}}}}
    info = openrouter_error_info(403, body)
    assert info.message == 'Input flagged (provider: OpenAI): {"reasons": ["violence"]}'
    assert (info.type, info.status) == (None, 403)


def test_the_stream_exception_carries_everything_from_construction() -> None:
    info = ErrorInfo("slow down", "RESOURCE_EXHAUSTED", retry_after=37.0, should_retry=False, status=429,
                     request_id="req_1")
    error = stream_error(info, provider="gemini", body="{}")
    assert isinstance(error, ProviderStreamError) and isinstance(error, RateLimitError)
    assert (error.retry_after, error.should_retry, error.status, error.request_id, error.provider) == (
        37.0, False, 429, "req_1", "gemini")
