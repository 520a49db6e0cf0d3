"""Gemini batch jobs (Gemini Developer API, ``v1beta``).

Wire (python-genai ``batches.py`` ``_CreateBatchJobParameters_to_mldev``,
``_BatchJob_from_mldev``, ``_InlinedResponse_from_mldev``; ai.google.dev "Batch API"):

* ``POST /v1beta/models/{model}:batchGenerateContent`` with ``{"batch": {"displayName",
  "inputConfig": {"requests": {"requests": [{"request": GenerateContentRequest,
  "metadata": {"key"}}]}}}}`` (inline, up to 20 MB; ``displayName`` carries our idempotency
  token, so a job whose create reply was lost is found in the list) or ``"inputConfig": {"fileName":
  "files/..."}`` for a JSONL file of ``{"key", "request"}`` lines (up to 2 GB), uploaded
  with the resumable ``POST /upload/v1beta/files`` protocol;
* the reply is an operation ``{"name": "batches/...", "metadata": GenerateContentBatch}``;
  ``GET /v1beta/batches/{id}`` returns the same; the batch has ``state``
  (``BATCH_STATE_PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED | EXPIRED``),
  ``batchStats {requestCount, successfulRequestCount, failedRequestCount,
  pendingRequestCount}`` (int64 as strings) and, once done, ``output``:
  ``{"inlinedResponses": {"inlinedResponses": [{"response" | "error", "metadata"}]}}`` in
  request order, or ``{"responsesFile": "files/..."}`` (download
  ``/download/v1beta/files/...:download?alt=media``);
* ``POST /v1beta/batches/{id}:cancel``; ``GET /v1beta/batches?pageSize=`` (``operations``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from llmsdk._engine.http import encode_body
from llmsdk.batches._backend import (
    BatchBackend, BatchItem, BatchLimits, BatchResult, Json, as_object, int_field, parse_or_error,
)
from llmsdk.batches.job import BatchCounts, BatchStatus
from llmsdk.errors import make_body_error
from llmsdk.providers.gemini.client import API_VERSION, model_path
from llmsdk.providers.gemini.response import parse_response

__all__ = ["GeminiBatches", "build_file_lines", "build_inline_body"]

#: Inline requests are for batches under 20 MB; larger ones go through a JSONL file.
INLINE_LIMIT = 20_000_000

_STATES = {
    "BATCH_STATE_PENDING": BatchStatus.IN_PROGRESS,
    "BATCH_STATE_RUNNING": BatchStatus.IN_PROGRESS,
    "BATCH_STATE_UNSPECIFIED": BatchStatus.IN_PROGRESS,
    "BATCH_STATE_SUCCEEDED": BatchStatus.COMPLETED,
    "BATCH_STATE_FAILED": BatchStatus.FAILED,
    "BATCH_STATE_CANCELLED": BatchStatus.CANCELLED,
    "BATCH_STATE_EXPIRED": BatchStatus.EXPIRED,
}

#: google.rpc.Code numbers (what a ``Status`` in a batch result carries) -> their names.
_RPC_CODES = {
    1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
    7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 13: "INTERNAL",
    14: "UNAVAILABLE", 16: "UNAUTHENTICATED",
}


def build_inline_body(items: Sequence[BatchItem], display_name: str) -> Json:
    """The ``:batchGenerateContent`` body with every request inline."""
    requests = [{"request": item.body, "metadata": {"key": item.key}} for item in items]
    return {"batch": {"displayName": display_name, "inputConfig": {"requests": {"requests": requests}}}}


def build_file_lines(items: Sequence[BatchItem]) -> bytes:
    """The JSONL input file: one ``{"key", "request"}`` line per request."""
    return b"".join(encode_body({"key": item.key, "request": item.body}) + b"\n" for item in items)


def display_name_for(token: str) -> str:
    """A job's ``displayName``: it carries our idempotency token (Gemini keeps no metadata)."""
    return f"llmsdk-{token}"


def _batch_of(raw: Json) -> Json:
    """The ``GenerateContentBatch`` inside an operation (or the batch itself)."""
    metadata = raw.get("metadata")
    return metadata if isinstance(metadata, dict) else raw


class GeminiBatches(BatchBackend):
    provider = "gemini"
    #: No request-count limit is documented; 2 GB for an input file. One model per job
    #: (it is in the URL).
    limits = BatchLimits(max_requests=None, max_bytes=2_000_000_000, one_model=True)

    def _batch_path(self, job_id: str) -> str:
        name = job_id if job_id.startswith("batches/") else f"batches/{job_id}"
        return f"{API_VERSION}/{name}"

    def create(self, items: Sequence[BatchItem], token: str) -> Json:
        model = model_path(items[0].model)
        display_name = display_name_for(token)
        body = build_inline_body(items, display_name)
        data = encode_body(body)
        if len(data) > INLINE_LIMIT:
            lines = build_file_lines(items)
            self.limits.check_size(self.provider, len(lines), "batch input file")
            file_name = self._upload(lines, display_name)
            body = {"batch": {"displayName": display_name, "inputConfig": {"fileName": file_name}}}
            data = encode_body(body)
        response = self.transport.send("POST", f"{API_VERSION}/{model}:batchGenerateContent", data=data,
                                       content_type="application/json", max_retries=0)
        result = response.json()
        return result if isinstance(result, dict) else {}

    def _upload(self, content: bytes, display_name: str) -> str:
        """The resumable upload python-genai uses: start (metadata), then one
        ``upload, finalize`` request with the bytes. Returns the file's name."""
        start = self.transport.send(
            "POST", "/upload/v1beta/files", content_type="application/json",
            data=encode_body({"file": {"displayName": display_name}}),
            headers={
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(len(content)),
                "X-Goog-Upload-Header-Content-Type": "application/jsonl",
            },
        )
        upload_url = start.headers.get("x-goog-upload-url")
        if not upload_url:
            raise make_body_error("gemini did not return an upload URL for the batch input file", provider=self.provider)
        done = self.transport.send(
            "POST", upload_url, data=content, content_type="application/jsonl",
            headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"},
        ).json()
        name = (done.get("file") or {}).get("name") if isinstance(done, dict) else None
        if not isinstance(name, str) or not name:
            raise make_body_error(f"gemini file upload returned no file name: {str(done)[:200]}", provider=self.provider)
        return name

    def owns(self, raw: Json, token: str, count: int, since: float) -> bool:
        return _batch_of(raw).get("displayName") == display_name_for(token)

    def retrieve(self, job_id: str) -> Json:
        return self.transport.json("GET", self._batch_path(job_id))

    def list(self, limit: int) -> List[Json]:
        page = self.transport.json("GET", f"{API_VERSION}/batches", params={"pageSize": limit})
        return [job for job in page.get("operations") or () if isinstance(job, dict)]

    def cancel(self, job_id: str) -> Json:
        self.transport.json("POST", f"{self._batch_path(job_id)}:cancel")
        return self.retrieve(job_id)

    def read_state(self, raw: Json) -> Tuple[str, BatchStatus, BatchCounts]:
        batch = _batch_of(raw)
        stats = batch.get("batchStats") or {}
        total = int_field(stats.get("requestCount"))
        succeeded = int_field(stats.get("successfulRequestCount"))
        failed = int_field(stats.get("failedRequestCount"))
        pending = int_field(stats.get("pendingRequestCount")) if "pendingRequestCount" in stats else \
            max(0, total - succeeded - failed)
        status = _STATES.get(str(batch.get("state")), BatchStatus.IN_PROGRESS)
        name = raw.get("name") or batch.get("name") or ""
        return str(name), status, BatchCounts(total, succeeded, failed, pending)

    def model_of(self, raw: Json) -> Optional[str]:
        model = _batch_of(raw).get("model")
        return model.split("/", 1)[1] if isinstance(model, str) and model.startswith("models/") else model

    def results(self, raw: Json, keys: Optional[Sequence[str]]) -> Iterator[BatchResult]:
        output = _batch_of(raw).get("output")
        if not isinstance(output, dict):
            response = raw.get("response")
            output = response if isinstance(response, dict) else {}
        inlined = output.get("inlinedResponses")
        if isinstance(inlined, dict):
            for position, item in enumerate(inlined.get("inlinedResponses") or ()):
                yield self.read_line(item, position, keys)
        responses_file = output.get("responsesFile")
        if isinstance(responses_file, str) and responses_file:
            path = f"/download/v1beta/{responses_file}:download"
            for position, line in enumerate(self.transport.lines(path, params={"alt": "media"})):
                yield self.read_line(line, position, keys)

    def read_line(self, item: Any, position: int, keys: Optional[Sequence[str]]) -> BatchResult:
        """One inlined response or result-file line. Inlined responses come in request
        order and may lack their metadata, so the position names them when it must."""
        if not isinstance(item, dict):
            raise make_body_error(f"gemini batch result is not an object: {str(item)[:200]}", provider=self.provider)
        metadata = as_object(item.get("metadata"))
        key = item.get("key") or metadata.get("key")
        if not isinstance(key, str) or not key:
            key = keys[position] if keys is not None and position < len(keys) else str(position)
        error = item.get("error") or item.get("status")
        if isinstance(error, dict) and error.get("code"):
            return key, _status_error(error, self.provider)
        response = item.get("response") if "response" in item else item
        return key, parse_or_error(parse_response, response)


def _status_error(status: Dict[str, Any], provider: str) -> Any:
    """A ``google.rpc.Status`` (``code`` is an rpc code there, an HTTP status in error
    replies: both are read)."""
    code = status.get("code")
    message = str(status.get("message") or "request failed")
    body = json.dumps(status)
    if isinstance(code, int) and code >= 100:
        return make_body_error(message, status=code, error_type=status.get("status"), provider=provider, body=body)
    name = _RPC_CODES.get(code) if isinstance(code, int) else None
    return make_body_error(message, error_type=status.get("status") or name, provider=provider, body=body)
