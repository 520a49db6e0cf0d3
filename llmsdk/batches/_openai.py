"""OpenAI and Groq batch jobs: a JSONL file of Chat Completions calls.

Wire (openai-python ``resources/batches.py``, ``resources/files.py``; groq-python the
same under ``/openai/v1``):

* input lines ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``,
  uploaded with ``POST /v1/files`` (multipart: ``purpose=batch``, ``file``);
* ``POST /v1/batches {"input_file_id", "endpoint", "completion_window": "24h",
  "metadata"}`` (``metadata.llmsdk_idempotency_key`` finds a job whose create reply was
  lost);
* ``GET /v1/batches/{id}``: ``status`` (validating, in_progress, finalizing, completed,
  failed, expired, cancelling, cancelled), ``request_counts {total, completed, failed}``,
  ``output_file_id`` / ``error_file_id``; ``POST /v1/batches/{id}/cancel``; ``GET
  /v1/batches?limit=``;
* result lines ``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
  "error": {"code", "message"}}`` from ``GET /v1/files/{id}/content``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import urllib3

from llmsdk._engine.http import encode_body
from llmsdk.batches._backend import (
    TOKEN_FIELD, BatchBackend, BatchItem, BatchLimits, BatchResult, Json, as_object, int_field, parse_or_error,
)
from llmsdk.batches.job import BatchCounts, BatchStatus
from llmsdk.errors import BatchRequestNotRunError, LLMError, make_body_error, make_status_error
from llmsdk.providers.groq.response import parse_response as parse_groq
from llmsdk.providers.openai.response import parse_response as parse_openai
from llmsdk.types import LLMResponse

__all__ = ["AzureBatches", "GroqBatches", "OpenAIBatches", "build_jsonl", "jsonl_line"]

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"

_STATUSES = {
    "validating": BatchStatus.IN_PROGRESS,
    "in_progress": BatchStatus.IN_PROGRESS,
    "finalizing": BatchStatus.IN_PROGRESS,
    "cancelling": BatchStatus.IN_PROGRESS,
    "completed": BatchStatus.COMPLETED,
    "failed": BatchStatus.FAILED,
    "expired": BatchStatus.EXPIRED,
    "cancelled": BatchStatus.CANCELLED,
}
#: Error codes of requests that never ran.
_NOT_RUN = {"batch_expired": "expired", "batch_cancelled": "cancelled"}


def jsonl_line(item: BatchItem, endpoint: str = ENDPOINT) -> bytes:
    """One input line: the Chat Completions call ``complete()`` would make, unstreamed."""
    line = {"custom_id": item.key, "method": "POST", "url": endpoint, "body": item.body}
    return encode_body(line) + b"\n"


def build_jsonl(items: Sequence[BatchItem], endpoint: str = ENDPOINT) -> bytes:
    """The input file."""
    return b"".join(jsonl_line(item, endpoint) for item in items)


def _multipart(jsonl: bytes) -> Tuple[bytes, str]:
    """The ``POST /v1/files`` form: ``purpose=batch`` and the file."""
    return urllib3.encode_multipart_formdata(
        [("purpose", "batch"), ("file", ("llmsdk-batch.jsonl", jsonl, "application/jsonl"))],
        boundary=uuid.uuid4().hex,
    )


class OpenAIBatches(BatchBackend):
    provider = "openai"
    #: openai-python ``BatchCreateParams.input_file_id``: up to 50,000 requests, 200 MB.
    #: Custom ids have no documented character set; the Batch object names one model.
    limits = BatchLimits(max_requests=50_000, max_bytes=200_000_000, one_model=True)
    parse: Callable[[Json], LLMResponse] = staticmethod(parse_openai)
    #: The ``url`` of each input line and the job's ``endpoint``.
    endpoint = ENDPOINT

    def __init__(self, transport: Any) -> None:
        super().__init__(transport)
        self._uploaded: Dict[str, str] = {}

    def create(self, items: Sequence[BatchItem], token: str) -> Json:
        file_id = self._uploaded.get(token)
        if file_id is None:  # a create tried again reuses the file uploaded for it
            jsonl = build_jsonl(items, self.endpoint)
            self.limits.check_size(self.provider, len(jsonl), "batch input file")
            data, content_type = _multipart(jsonl)
            uploaded = self.transport.send("POST", "/v1/files", data=data, content_type=content_type).json()
            file_id = uploaded.get("id") if isinstance(uploaded, dict) else None
            if not isinstance(file_id, str):
                raise make_body_error(f"{self.provider} file upload returned no id: {str(uploaded)[:200]}",
                                      provider=self.provider)
            self._uploaded[token] = file_id
        return self.transport.json("POST", "/v1/batches", {
            "input_file_id": file_id, "endpoint": self.endpoint, "completion_window": COMPLETION_WINDOW,
            "metadata": {TOKEN_FIELD: token},
        }, max_retries=0)

    def retrieve(self, job_id: str) -> Json:
        return self.transport.json("GET", f"/v1/batches/{job_id}")

    def list(self, limit: int) -> List[Json]:
        page = self.transport.json("GET", "/v1/batches", params={"limit": limit})
        return [job for job in page.get("data") or () if isinstance(job, dict)]

    def cancel(self, job_id: str) -> Json:
        return self.transport.json("POST", f"/v1/batches/{job_id}/cancel")

    def read_state(self, raw: Json) -> Tuple[str, BatchStatus, BatchCounts]:
        counts = raw.get("request_counts") or {}
        total = int_field(counts.get("total"))
        succeeded = int_field(counts.get("completed"))
        failed = int_field(counts.get("failed"))
        status = _STATUSES.get(str(raw.get("status")), BatchStatus.IN_PROGRESS)
        return str(raw.get("id") or ""), status, BatchCounts(total, succeeded, failed,
                                                            max(0, total - succeeded - failed))

    def results(self, raw: Json, keys: Optional[Sequence[str]]) -> Iterator[BatchResult]:
        for field in ("output_file_id", "error_file_id"):
            file_id = raw.get(field)
            if isinstance(file_id, str) and file_id:
                for line in self.transport.lines(f"/v1/files/{file_id}/content"):
                    yield self.read_line(line)

    def read_line(self, line: Any) -> BatchResult:
        """One line of an output or error file."""
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
            raise make_body_error(f"{self.provider} result line without custom_id: {str(line)[:200]}",
                                  provider=self.provider)
        key = line["custom_id"]
        error = line.get("error")
        response = as_object(line.get("response"))
        request_id = response.get("request_id") if isinstance(response.get("request_id"), str) else None
        if isinstance(error, dict):
            code = str(error.get("code") or "")
            message = str(error.get("message") or code or "request failed")
            if code in _NOT_RUN:
                return key, BatchRequestNotRunError(f"request {key!r}: {message}", reason=_NOT_RUN[code])
            return key, make_body_error(message, error_type=code or None, provider=self.provider,
                                        body=json.dumps(line), request_id=request_id)
        status = response.get("status_code")
        body = response.get("body")
        if isinstance(status, int) and status >= 300:
            return key, self._status_error(status, body, request_id)
        return key, parse_or_error(self.parse, body)

    def _status_error(self, status: int, body: Any, request_id: Optional[str]) -> LLMError:
        """A request the provider answered with an error status: the error its body names,
        read the way the adapter reads error replies."""
        text = body if isinstance(body, str) else json.dumps(body)
        info = self.transport.adapter.parse_error(status, text)
        return make_status_error(status, info.message, error_type=info.type, body=text, provider=self.provider,
                                 request_id=request_id)


class GroqBatches(OpenAIBatches):
    """Groq: OpenAI's batch API under ``https://api.groq.com/openai``. groq-python's
    ``files.create`` takes up to 100 MB; 50,000 requests as at OpenAI. Mixed models are
    not ruled out by Groq's types, so they are not refused here."""

    provider = "groq"
    limits = BatchLimits(max_requests=50_000, max_bytes=100_000_000)
    parse: Callable[[Json], LLMResponse] = staticmethod(parse_groq)



class AzureBatches(OpenAIBatches):
    """Azure OpenAI global batch: OpenAI's flow under ``<endpoint>/openai/v1`` (files,
    batches, result files), on a batch deployment. Azure's JSONL names the route without
    the version (``"url": "/chat/completions"``, as in Azure's batch guide)."""

    provider = "azure_openai"
    endpoint = "/chat/completions"
