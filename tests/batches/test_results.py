"""Job objects and result lines of each provider -> (id, status, counts) and
(key, LLMResponse | LLMError), without HTTP. Shapes follow the official SDK types
(openai-python ``types/batch.py``, anthropic-sdk-python ``types/messages/message_batch*.py``,
python-genai ``batches.py`` ``_BatchJob_from_mldev``) and the providers' docs."""

import io
import json

import pytest

from llmsdk import BatchCounts, BatchStatus, LLMResponse, StopReason, Usage
from llmsdk.batches._anthropic import AnthropicBatches
from llmsdk.batches._backend import iter_jsonl
from llmsdk.batches._gemini import GeminiBatches
from llmsdk.batches._openai import GroqBatches, OpenAIBatches
from llmsdk.errors import (
    BadRequestError, BatchRequestNotRunError, ContextWindowExceededError, MalformedEventError, RateLimitError,
    ServerError,
)
from llmsdk.testing.whole_replies import anthropic_message_body, chat_completion_body, gemini_response_body
from tests.batches._support import backend

OPENAI_JOB = {
    "id": "batch_abc123", "object": "batch", "endpoint": "/v1/chat/completions", "errors": None,
    "input_file_id": "file-abc123", "completion_window": "24h", "status": "in_progress",
    "output_file_id": None, "error_file_id": None, "created_at": 1711471533, "in_progress_at": 1711471538,
    "expires_at": 1711557933, "request_counts": {"total": 100, "completed": 95, "failed": 1},
    "metadata": {}, "model": "gpt-4o-mini-2024-07-18",
}
ANTHROPIC_JOB = {
    "id": "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message_batch", "processing_status": "in_progress",
    "request_counts": {"processing": 100, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
    "ended_at": None, "created_at": "2024-09-24T18:37:24.100435Z", "expires_at": "2024-09-25T18:37:24.100435Z",
    "archived_at": None, "cancel_initiated_at": None, "results_url": None,
}
GEMINI_OPERATION = {
    "name": "batches/123456",
    "metadata": {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        "model": "models/gemini-2.5-flash", "displayName": "my-batch", "createTime": "2025-07-01T10:00:00Z",
        "state": "BATCH_STATE_RUNNING",
        "batchStats": {"requestCount": "10", "successfulRequestCount": "6", "failedRequestCount": "1",
                       "pendingRequestCount": "3"},
    },
}


@pytest.mark.parametrize("status, expected", [
    ("validating", BatchStatus.IN_PROGRESS), ("in_progress", BatchStatus.IN_PROGRESS),
    ("finalizing", BatchStatus.IN_PROGRESS), ("cancelling", BatchStatus.IN_PROGRESS),
    ("completed", BatchStatus.COMPLETED), ("failed", BatchStatus.FAILED), ("expired", BatchStatus.EXPIRED),
    ("cancelled", BatchStatus.CANCELLED),
])
def test_openai_status(status, expected):
    job_id, got, counts = backend(OpenAIBatches, "openai").read_state(dict(OPENAI_JOB, status=status))
    assert (job_id, got, counts) == ("batch_abc123", expected, BatchCounts(100, 95, 1, 4))
    assert backend(OpenAIBatches, "openai").model_of(OPENAI_JOB) == "gpt-4o-mini-2024-07-18"


def test_anthropic_counts_only_processing_until_ended():
    b = backend(AnthropicBatches, "anthropic")
    assert b.read_state(ANTHROPIC_JOB) == ("msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", BatchStatus.IN_PROGRESS,
                                           BatchCounts(100, 0, 0, 100))
    ended = dict(ANTHROPIC_JOB, processing_status="ended",
                 request_counts={"processing": 0, "succeeded": 95, "errored": 3, "canceled": 0, "expired": 2})
    assert b.read_state(ended)[1:] == (BatchStatus.EXPIRED, BatchCounts(100, 95, 5, 0))
    cancelled = dict(ended, cancel_initiated_at="2024-09-24T18:40:00Z")
    assert b.read_state(cancelled)[1] is BatchStatus.CANCELLED
    done = dict(ended, request_counts={"processing": 0, "succeeded": 100, "errored": 0, "canceled": 0, "expired": 0})
    assert b.read_state(done)[1] is BatchStatus.COMPLETED
    assert b.read_state(dict(ANTHROPIC_JOB, processing_status="canceling"))[1] is BatchStatus.IN_PROGRESS


@pytest.mark.parametrize("state, expected", [
    ("BATCH_STATE_PENDING", BatchStatus.IN_PROGRESS), ("BATCH_STATE_RUNNING", BatchStatus.IN_PROGRESS),
    ("BATCH_STATE_SUCCEEDED", BatchStatus.COMPLETED), ("BATCH_STATE_FAILED", BatchStatus.FAILED),
    ("BATCH_STATE_CANCELLED", BatchStatus.CANCELLED), ("BATCH_STATE_EXPIRED", BatchStatus.EXPIRED),
])
def test_gemini_state_and_int64_string_counts(state, expected):
    raw = dict(GEMINI_OPERATION, metadata=dict(GEMINI_OPERATION["metadata"], state=state))
    b = backend(GeminiBatches, "gemini")
    assert b.read_state(raw) == ("batches/123456", expected, BatchCounts(10, 6, 1, 3))
    assert b.model_of(raw) == "gemini-2.5-flash"


# -- result lines -----------------------------------------------------------------------------------


def test_openai_output_and_error_lines():
    b = backend(OpenAIBatches, "openai")
    ok = {"id": "batch_req_123", "custom_id": "request-2",
          "response": {"status_code": 200, "request_id": "req_123", "body": chat_completion_body("Hi!")}, "error": None}
    key, result = b.read_line(ok)
    assert key == "request-2" and isinstance(result, LLMResponse) and result.text == "Hi!"
    assert result.usage == Usage(input_tokens=10, output_tokens=5)

    too_long = {"id": "batch_req_456", "custom_id": "request-3", "error": None, "response": {
        "status_code": 400, "request_id": "req_456", "body": {"error": {
            "message": "This model's maximum context length is 128000 tokens.", "type": "invalid_request_error",
            "param": "messages", "code": "context_length_exceeded"}}}}
    key, result = b.read_line(too_long)
    assert key == "request-3" and isinstance(result, ContextWindowExceededError)
    assert result.status == 400 and result.request_id == "req_456"

    expired = {"id": "batch_req_789", "custom_id": "request-4", "response": None, "error": {
        "code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}
    key, result = b.read_line(expired)
    assert isinstance(result, BatchRequestNotRunError) and result.reason == "expired"

    limited = {"id": "x", "custom_id": "request-5", "response": {"status_code": 429, "body": {"error": {
        "message": "Rate limit", "type": "rate_limit_exceeded"}}}, "error": None}
    assert isinstance(b.read_line(limited)[1], RateLimitError)


def test_groq_lines_parse_groq_replies():
    body = dict(chat_completion_body("ok", model="llama-3.3-70b-versatile"), x_groq={"id": "req_1"})
    key, result = backend(GroqBatches, "groq").read_line(
        {"id": "b", "custom_id": "k", "response": {"status_code": 200, "body": body}, "error": None})
    assert isinstance(result, LLMResponse) and result.provider == "groq" and result.text == "ok"


def test_anthropic_result_types():
    b = backend(AnthropicBatches, "anthropic")
    key, ok = b.read_line({"custom_id": "my-second-request", "result": {
        "type": "succeeded", "message": anthropic_message_body("Hello again", usage=(11, 36))}})
    assert key == "my-second-request" and ok.text == "Hello again" and ok.stop_reason is StopReason.END_TURN
    key, err = b.read_line({"custom_id": "my-first-request", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "invalid_request_error", "message": "Validation error"},
        "request_id": "req_01"}}})
    assert isinstance(err, BadRequestError) and err.status == 400 and err.request_id == "req_01"
    _, overloaded = b.read_line({"custom_id": "c", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "api_error", "message": "Internal"}}}})
    assert isinstance(overloaded, ServerError) and overloaded.status == 500
    for kind, reason in (("canceled", "cancelled"), ("expired", "expired")):
        _, not_run = b.read_line({"custom_id": "d", "result": {"type": kind}})
        assert isinstance(not_run, BatchRequestNotRunError) and not_run.reason == reason


def test_gemini_inlined_responses_by_metadata_or_position():
    b = backend(GeminiBatches, "gemini")
    key, ok = b.read_line({"response": gemini_response_body("Blue sky."), "metadata": {"key": "q1"}}, 0, None)
    assert key == "q1" and ok.text == "Blue sky."
    key, ok = b.read_line({"response": gemini_response_body("No metadata.")}, 1, ["q1", "q2"])
    assert key == "q2"
    key, _ = b.read_line({"response": gemini_response_body("Unknown keys.")}, 7, None)
    assert key == "7"
    key, err = b.read_line({"error": {"code": 3, "message": "Invalid JSON payload"}, "metadata": {"key": "q3"}}, 2, None)
    assert key == "q3" and isinstance(err, BadRequestError) and err.error_type == "INVALID_ARGUMENT"
    _, limited = b.read_line({"key": "q4", "error": {"code": 429, "message": "Quota", "status": "RESOURCE_EXHAUSTED"}},
                             3, None)
    assert isinstance(limited, RateLimitError) and limited.status == 429
    _, blocked = b.read_line({"key": "q5", "response": {"promptFeedback": {"blockReason": "SAFETY"}}}, 4, None)
    assert isinstance(blocked, BadRequestError)


# -- result files, line by line ---------------------------------------------------------------------


class FakeBody:
    def __init__(self, data: bytes, chunk: int) -> None:
        self._data = data
        self._chunk = chunk
        self.closed = False

    def iter_content(self, chunk_size: int = 1):
        stream = io.BytesIO(self._data)
        while True:
            piece = stream.read(self._chunk)
            if not piece:
                return
            yield piece

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 100_000])
def test_jsonl_lines_survive_any_chunking(chunk):
    lines = [{"custom_id": f"k{i}", "text": "é" * i} for i in range(20)]
    data = b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n" for x in lines) + b"\n\r\n"
    body = FakeBody(data[:-3] + b"\n\n", chunk)
    assert list(iter_jsonl(body)) == lines
    assert body.closed


def test_a_last_line_without_newline_and_a_broken_line():
    assert list(iter_jsonl(FakeBody(b'{"a":1}\n{"b":2}', 4))) == [{"a": 1}, {"b": 2}]
    body = FakeBody(b'{"a":1}\n{"b":\n', 4)
    got = iter_jsonl(body)
    assert next(got) == {"a": 1}
    with pytest.raises(MalformedEventError):
        next(got)
    assert body.closed


def test_stopping_early_closes_the_body():
    body = FakeBody(b'{"a":1}\n{"b":2}\n', 100)
    got = iter_jsonl(body)
    next(got)
    got.close()
    assert body.closed
