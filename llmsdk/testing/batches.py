"""Provider batch APIs emulated on ``FakeProviderServer``, so batch code is tested offline.

``FakeBatchAPI(server, provider)`` answers the batch endpoints of ``"openai"``, ``"groq"``,
``"anthropic"`` or ``"gemini"`` (uploads, create, status, cancel, list, result files) in
the provider's wire format. Jobs move on their own as they are polled: in progress for
``polls`` status reads (requests finishing a share at a time), then ended. Each request's
reply comes from ``reply(key, request_body)``: a string (a text reply), a dict (the
provider's whole reply body) or ``ItemError`` (that request fails); ``fail(key)``
scripts a failure by key. ``expire=True`` ends jobs expired with part of the requests
never run; ``cancel`` from the client stops a job at the next poll. ``lose_create_replies = n``: the
next n creates start their job and then answer 502, as a gateway that lost the reply;
``refuse_creates = n`` refuses them with 429 first, ``fail_lists = n`` fails job listings.

>>> with FakeProviderServer() as server:
...     fake = FakeBatchAPI(server, "anthropic", polls=2)
...     fake.fail("row-2", status=400, message="bad prompt")
...     client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("test", api_base=server.url))
...     job = client.batches.submit({"row-1": req, "row-2": req}).wait(poll_interval=0.01, progress=False)
...     dict(job.results())["row-1"].text
'reply to row-1'
"""

from __future__ import annotations

import email.message
import email.parser
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from llmsdk.testing.server import FakeProviderServer, RecordedRequest, ScriptedReply
from llmsdk.testing.whole_replies import error_body, reply_body, rpc_status

__all__ = ["PROVIDERS", "FakeBatchAPI", "ItemError"]

PROVIDERS = ("openai", "groq", "anthropic", "gemini", "azure_openai")
Json = Dict[str, Any]


@dataclass(frozen=True)
class ItemError:
    """A scripted failure of one request: its HTTP status, message and error type."""

    status: int = 400
    message: str = "invalid request"
    error_type: Optional[str] = None


Reply = Union[str, Json, ItemError]
Replier = Callable[[str, Json], Reply]

# -- jobs ------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    id: str
    keys: List[str]
    bodies: List[Json]
    model: str
    created: int
    from_file: bool = False
    reads: int = 0
    processed: int = 0
    phase: str = "running"  # running | cancelling | ended
    outcome: str = ""  # completed | cancelled | expired | failed
    results: List[Tuple[str, Reply]] = field(default_factory=list)
    files: Dict[str, str] = field(default_factory=dict)  # output / error -> file id
    metadata: Optional[Json] = None
    display_name: str = ""


class FakeBatchAPI:
    """One provider's batch endpoints on ``server`` (see the module docstring).

    ``polls``: status reads that see a job in progress before it ends. ``reply(key,
    body)``: each request's reply. ``usage``: (input, output) tokens of text replies.
    ``jobs`` holds the emulated jobs by id, ``files`` the uploaded/produced files.
    """

    def __init__(self, server: FakeProviderServer, provider: str, *, polls: int = 2,
                 reply: Optional[Replier] = None, usage: Tuple[int, int] = (10, 5), expire: bool = False,
                 chunk_size: int = 512) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")
        self.server = server
        self.provider = provider
        #: The route each input line names (Azure's JSONL has no version segment).
        self._route = "/chat/completions" if provider == "azure_openai" else "/v1/chat/completions"
        self.polls = polls
        self.usage = usage
        self.expire = expire
        #: Result files are sent in pieces of this many bytes (lines cross piece boundaries).
        self.chunk_size = chunk_size
        #: When set, new jobs fail validation with this message (OpenAI/Groq/Gemini).
        self.fail_validation: Optional[str] = None
        #: The next this many creates start their job, then answer 502 (a reply lost after
        #: the body was received: the client cannot tell whether the job exists).
        self.lose_create_replies = 0
        #: The next this many creates are refused with 429 before any job is started.
        self.refuse_creates = 0
        #: The next this many job listings answer 500.
        self.fail_lists = 0
        self._reply: Replier = reply or (lambda key, body: f"reply to {key}")
        self._failures: Dict[str, ItemError] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.jobs: Dict[str, _Job] = {}
        self.files: Dict[str, bytes] = {}
        pattern = {
            "anthropic": r"/v1/messages/batches",
            "gemini": r"(:batchGenerateContent$|/v1beta/batches|/upload/v1beta/files|/download/v1beta/files)",
        }.get(provider, r"/v1/(files|batches)")
        server.route(re.compile(pattern), self._handle)

    # -- scripting ---------------------------------------------------------------------------

    def reply_with(self, reply: Replier) -> "FakeBatchAPI":
        self._reply = reply
        return self

    def fail(self, key: str, status: int = 400, message: str = "invalid request",
             error_type: Optional[str] = None) -> "FakeBatchAPI":
        """Make the request named ``key`` fail (in every job)."""
        self._failures[key] = ItemError(status, message, error_type)
        return self

    # -- dispatch ------------------------------------------------------------------------------

    def _handle(self, request: RecordedRequest) -> ScriptedReply:
        with self._lock:
            creating = request.method == "POST" and re.search(
                r"(/v1/batches|/v1/messages/batches|:batchGenerateContent)$", request.path) is not None
            if creating and self.refuse_creates > 0:
                self.refuse_creates -= 1
                return self._json(error_body(self.provider, 429, "Too many batch creates"), 429, {"retry-after": "0"})
            listing = request.method == "GET" and re.search(r"/(batches|messages/batches)$", request.path) is not None
            if listing and self.fail_lists > 0:
                self.fail_lists -= 1
                return self._error(500, "Internal error")
            handler = {"anthropic": self._anthropic, "gemini": self._gemini}.get(self.provider, self._openai)
            return handler(request)

    def _json(self, obj: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
        return ScriptedReply.json(status, obj, headers)

    def _error(self, status: int, message: str) -> ScriptedReply:
        return self._json(error_body(self.provider, status, message), status)

    def _file_reply(self, data: bytes) -> ScriptedReply:
        size = max(1, self.chunk_size)
        pieces = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
        return ScriptedReply(body=list(pieces), content_type="application/octet-stream")

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    # -- the lifecycle, shared by every provider -------------------------------------------------

    def _created(self, reply: ScriptedReply) -> ScriptedReply:
        """The reply to a create that started its job: 502 instead while ``lose_create_replies``."""
        if self.lose_create_replies > 0:
            self.lose_create_replies -= 1
            return self._error(502, "Bad gateway")
        return reply

    def _start(self, keys: List[str], bodies: List[Json], model: str, prefix: str, from_file: bool = False) -> _Job:
        job = _Job(self._new_id(prefix), keys, bodies, model, int(time.time()), from_file=from_file)
        if self.fail_validation:
            job.phase, job.outcome = "ended", "failed"
        self.jobs[job.id] = job
        return job

    def _advance(self, job: _Job) -> None:
        """One status read: a share of the requests finishes; after ``polls`` reads the
        job ends (expired, with the last share never run, when ``expire`` is set)."""
        if job.phase == "ended":
            return
        if job.phase == "cancelling":
            self._end(job, "cancelled")
            return
        job.reads += 1
        total = len(job.keys)
        if job.reads <= self.polls:
            job.processed = total * job.reads // (self.polls + 1)
            return
        if self.expire:
            job.processed = total * self.polls // (self.polls + 1)
            self._end(job, "expired")
        else:
            job.processed = total
            self._end(job, "completed")

    def _end(self, job: _Job, outcome: str) -> None:
        job.phase, job.outcome = "ended", outcome
        job.results = [(key, self._result(key, body, job.model)) for key, body in
                       zip(job.keys[:job.processed], job.bodies[:job.processed])]

    def _result(self, key: str, body: Json, job_model: str) -> Reply:
        failure = self._failures.get(key)
        if failure is not None:
            return failure
        reply = self._reply(key, body)
        if isinstance(reply, str):
            model = body.get("model") if isinstance(body.get("model"), str) else None
            return reply_body(self.provider, reply, model or job_model or "fake-model", self.usage)
        return reply

    def _counts(self, job: _Job) -> Tuple[int, int]:
        """(succeeded, failed) among the requests that ran."""
        if job.phase == "ended":
            failed = sum(1 for _, r in job.results if isinstance(r, ItemError))
            return len(job.results) - failed, failed
        failed = sum(1 for key in job.keys[:job.processed] if key in self._failures)
        return job.processed - failed, failed

    # -- OpenAI and Groq -----------------------------------------------------------------------------

    def _openai(self, request: RecordedRequest) -> ScriptedReply:
        path, method = request.path, request.method
        if method == "POST" and path.endswith("/v1/files"):
            fields = _multipart(request)
            if fields.get("purpose") != b"batch" or "file" not in fields:
                return self._error(400, "expected multipart fields purpose=batch and file")
            file_id = self._new_id("file-")
            self.files[file_id] = fields["file"]
            return self._json({"id": file_id, "object": "file", "bytes": len(fields["file"]), "created_at": 0,
                               "filename": "batch.jsonl", "purpose": "batch", "status": "processed"})
        match = re.search(r"/v1/files/([^/]+)/content$", path)
        if method == "GET" and match:
            data = self.files.get(match.group(1))
            return self._file_reply(data) if data is not None else self._error(404, "no such file")
        if method == "POST" and path.endswith("/v1/batches"):
            return self._openai_create(request.json or {})
        if method == "GET" and path.endswith("/v1/batches"):
            jobs = [self._openai_job(j) for j in reversed(list(self.jobs.values()))]
            return self._json({"object": "list", "data": jobs, "has_more": False,
                               "first_id": jobs[0]["id"] if jobs else None, "last_id": jobs[-1]["id"] if jobs else None})
        match = re.search(r"/v1/batches/([^/]+)(/cancel)?$", path)
        job = self.jobs.get(match.group(1)) if match else None
        if job is None:
            return self._error(404, f"No batch found with id '{match.group(1) if match else path}'.")
        if match and match.group(2) and method == "POST":
            if job.phase == "running":
                job.phase = "cancelling"
        else:
            self._advance(job)
        return self._json(self._openai_job(job))

    def _openai_create(self, body: Json) -> ScriptedReply:
        data = self.files.get(str(body.get("input_file_id")))
        if data is None:
            return self._error(400, "input_file_id does not name an uploaded file")
        if body.get("endpoint") != self._route or body.get("completion_window") != "24h":
            return self._error(400, f"endpoint must be {self._route} and completion_window 24h")
        keys, bodies = [], []
        for line in data.decode("utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get("method") != "POST" or entry.get("url") != self._route:
                return self._error(400, f"bad input line: {line[:100]}")
            if entry["custom_id"] in keys:
                return self._error(400, f"duplicate custom_id {entry['custom_id']}")
            keys.append(entry["custom_id"])
            bodies.append(entry["body"])
        job = self._start(keys, bodies, str(bodies[0].get("model")) if bodies else "", "batch_")
        metadata = body.get("metadata")
        job.metadata = metadata if isinstance(metadata, dict) else None
        return self._created(self._json(self._openai_job(job)))

    def _openai_files(self, job: _Job) -> None:
        if job.files or job.phase != "ended" or job.outcome == "failed":
            return
        output, errors = [], []
        for n, (key, result) in enumerate(job.results):
            line: Json = {"id": f"batch_req_{n}", "custom_id": key, "error": None}
            if isinstance(result, ItemError):
                line["response"] = {"status_code": result.status, "request_id": f"req_{n}",
                                    "body": error_body(self.provider, result.status, result.message, result.error_type)}
                errors.append(line)
            else:
                line["response"] = {"status_code": 200, "request_id": f"req_{n}", "body": result}
                output.append(line)
        if job.outcome == "expired":
            for key in job.keys[job.processed:]:
                errors.append({"id": f"batch_req_{key}", "custom_id": key, "response": None, "error": {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the completion window expired."}})
        for name, lines in (("output", output), ("error", errors)):
            if lines:
                file_id = self._new_id("file-")
                self.files[file_id] = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
                job.files[name] = file_id

    def _openai_job(self, job: _Job) -> Json:
        self._openai_files(job)
        succeeded, failed = self._counts(job)
        if job.outcome == "expired":
            failed += len(job.keys) - job.processed
        status = {"running": "in_progress", "cancelling": "cancelling"}.get(job.phase, job.outcome)
        errors = None
        if job.outcome == "failed":
            errors = {"object": "list", "data": [{"code": "invalid_request", "message": self.fail_validation,
                                                  "param": None, "line": 1}]}
        return {
            "id": job.id, "object": "batch", "endpoint": self._route, "errors": errors,
            "input_file_id": "file-input", "completion_window": "24h", "status": status,
            "output_file_id": job.files.get("output"), "error_file_id": job.files.get("error"),
            "created_at": job.created, "expires_at": job.created + 86400, "model": job.model,
            "request_counts": {"total": len(job.keys), "completed": succeeded, "failed": failed},
            "metadata": job.metadata,
        }

    # -- Anthropic -------------------------------------------------------------------------------------

    def _anthropic(self, request: RecordedRequest) -> ScriptedReply:
        path, method = request.path, request.method
        if method == "POST" and path.endswith("/v1/messages/batches"):
            entries = (request.json or {}).get("requests") or []
            keys = [e.get("custom_id") for e in entries]
            for key in keys:
                if not isinstance(key, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", key):
                    return self._error(400, f"requests: custom_id {key!r} does not match ^[a-zA-Z0-9_-]{{1,64}}$")
            if len(set(keys)) != len(keys) or not keys or any(e["params"].get("stream") for e in entries):
                return self._error(400, "requests: custom_ids must be unique; params must not stream")
            started = self._start(keys, [e["params"] for e in entries], "", "msgbatch_")
            return self._created(self._json(self._anthropic_job(started)))
        if method == "GET" and path.endswith("/v1/messages/batches"):
            jobs = [self._anthropic_job(j) for j in reversed(list(self.jobs.values()))]
            return self._json({"data": jobs, "has_more": False, "first_id": None, "last_id": None})
        match = re.search(r"/v1/messages/batches/([^/]+)(/cancel|/results)?$", path)
        job = self.jobs.get(match.group(1)) if match else None
        if job is None or not match:
            return self._error(404, "batch not found")
        if match.group(2) == "/results":
            return self._file_reply(self._anthropic_results(job)) if job.phase == "ended" else \
                self._error(400, "results are not available until the batch has ended")
        if match.group(2) == "/cancel":
            if job.phase == "running":
                job.phase = "cancelling"
        else:
            self._advance(job)
        return self._json(self._anthropic_job(job))

    def _anthropic_job(self, job: _Job) -> Json:
        ended = job.phase == "ended"
        succeeded, failed = self._counts(job) if ended else (0, 0)
        unrun = len(job.keys) - job.processed if ended else 0
        return {
            "id": job.id, "type": "message_batch",
            "processing_status": {"running": "in_progress", "cancelling": "canceling"}.get(job.phase, "ended"),
            "request_counts": {"processing": 0 if ended else len(job.keys), "succeeded": succeeded,
                               "errored": failed, "canceled": unrun if job.outcome == "cancelled" else 0,
                               "expired": unrun if job.outcome == "expired" else 0},
            "ended_at": _rfc3339(job.created + 600) if ended else None, "created_at": _rfc3339(job.created),
            "expires_at": "2026-01-02T00:00:00Z", "archived_at": None,
            "cancel_initiated_at": "2026-01-01T00:05:00Z" if job.outcome == "cancelled" or
            job.phase == "cancelling" else None,
            "results_url": f"{self.server.url}/v1/messages/batches/{job.id}/results" if ended else None,
        }

    def _anthropic_results(self, job: _Job) -> bytes:
        lines: List[Json] = []
        for key, result in job.results:
            if isinstance(result, ItemError):
                outcome: Json = {"type": "errored", "error": {"type": "error", "request_id": f"req_{key}",
                                 "error": error_body("anthropic", result.status, result.message,
                                                      result.error_type)["error"]}}
            else:
                outcome = {"type": "succeeded", "message": result}
            lines.append({"custom_id": key, "result": outcome})
        kind = "canceled" if job.outcome == "cancelled" else "expired"
        lines.extend({"custom_id": key, "result": {"type": kind}} for key in job.keys[job.processed:])
        return b"".join(json.dumps(line).encode() + b"\n" for line in lines)

    # -- Gemini ------------------------------------------------------------------------------------------

    def _gemini(self, request: RecordedRequest) -> ScriptedReply:
        path, method = request.path, request.method
        if method == "POST" and path.endswith("/upload/v1beta/files"):
            if request.headers.get("x-goog-upload-command") == "start":
                upload_id = self._new_id("upload-")
                return self._json({}, headers={
                    "x-goog-upload-url": f"{self.server.url}/upload/v1beta/files?upload_id={upload_id}",
                    "x-goog-upload-status": "active"})
            name = self._new_id("files/input-")
            self.files[name] = request.body
            return self._json({"file": {"name": name, "mimeType": "application/jsonl", "sizeBytes": str(len(request.body))}},
                              headers={"x-goog-upload-status": "final"})
        match = re.search(r"/download/v1beta/(files/[^/:]+):download$", path)
        if method == "GET" and match:
            data = self.files.get(match.group(1))
            return self._file_reply(data) if data is not None else self._error(404, "file not found")
        match = re.search(r"/v1beta/models/([^/:]+):batchGenerateContent$", path)
        if method == "POST" and match:
            return self._gemini_create(match.group(1), (request.json or {}).get("batch") or {})
        if method == "GET" and path.endswith("/v1beta/batches"):
            return self._json({"operations": [self._gemini_job(j) for j in reversed(list(self.jobs.values()))]})
        match = re.search(r"/v1beta/(batches/[^/:]+)(:cancel)?$", path)
        job = self.jobs.get(match.group(1)) if match else None
        if job is None or not match:
            return self._error(404, "Requested entity was not found.")
        if match.group(2):
            if job.phase == "running":
                job.phase = "cancelling"
            return self._json({})
        self._advance(job)
        return self._json(self._gemini_job(job))

    def _gemini_create(self, model: str, batch: Json) -> ScriptedReply:
        config = batch.get("inputConfig") or {}
        if not batch.get("displayName"):
            return self._error(400, "batch.displayName is required")
        keys, bodies = [], []
        if "fileName" in config:
            data = self.files.get(config["fileName"])
            if data is None:
                return self._error(400, "inputConfig.fileName does not name an uploaded file")
            for line in data.decode("utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    keys.append(entry["key"])
                    bodies.append(entry["request"])
        else:
            for entry in (config.get("requests") or {}).get("requests") or []:
                keys.append((entry.get("metadata") or {}).get("key") or str(len(keys)))
                bodies.append(entry["request"])
        job = self._start(keys, bodies, model, "batches/", from_file="fileName" in config)
        job.display_name = str(batch["displayName"])
        return self._created(self._json(self._gemini_job(job)))

    def _gemini_job(self, job: _Job) -> Json:
        succeeded, failed = self._counts(job)
        state = {"running": "BATCH_STATE_RUNNING" if job.reads else "BATCH_STATE_PENDING",
                 "cancelling": "BATCH_STATE_RUNNING"}.get(job.phase) or f"BATCH_STATE_{job.outcome.upper()}"
        if state == "BATCH_STATE_COMPLETED":
            state = "BATCH_STATE_SUCCEEDED"
        batch: Json = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "model": f"models/{job.model}", "displayName": job.display_name, "name": job.id,
            "createTime": "2026-01-01T00:00:00Z", "updateTime": "2026-01-01T00:05:00Z", "state": state,
            "batchStats": {"requestCount": str(len(job.keys)), "successfulRequestCount": str(succeeded),
                           "failedRequestCount": str(failed),
                           "pendingRequestCount": str(len(job.keys) - succeeded - failed)},
        }
        operation: Json = {"name": job.id, "metadata": batch}
        if job.phase == "ended" and job.outcome != "failed":
            output = self._gemini_output(job)
            batch["output"] = output
            operation["done"] = True
            operation["response"] = {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput", **output}
        if job.outcome == "failed":
            operation["done"] = True
            operation["error"] = {"code": 3, "message": self.fail_validation}
        return operation

    def _gemini_output(self, job: _Job) -> Json:
        entries: List[Json] = []
        for key, result in job.results:
            if isinstance(result, ItemError):
                entries.append({"error": rpc_status(result.status, result.message), "metadata": {"key": key}})
            else:
                entries.append({"response": result, "metadata": {"key": key}})
        if not job.from_file:
            return {"inlinedResponses": {"inlinedResponses": entries}}
        name = f"files/batch-{job.id.split('/')[-1]}-out"
        if name not in self.files:
            lines = [dict(key=e["metadata"]["key"], **{k: v for k, v in e.items() if k != "metadata"}) for e in entries]
            self.files[name] = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
        return {"responsesFile": name}


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _multipart(request: RecordedRequest) -> Dict[str, bytes]:
    """The fields of a ``multipart/form-data`` body, by name."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser().parsebytes(head + request.body)
    fields: Dict[str, bytes] = {}
    if message.is_multipart():
        for part in message.get_payload():
            if not isinstance(part, email.message.Message):
                continue
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = payload
    return fields
