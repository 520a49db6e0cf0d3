"""Anthropic Message Batches.

Wire (anthropic-sdk-python ``resources/messages/batches.py`` and
``types/messages/``):

* ``POST /v1/messages/batches {"requests": [{"custom_id", "params"}]}`` — ``params`` is a
  non-streaming Messages request; 1 to 100,000 requests, at most 256 MB, ``custom_id``
  matching ``^[a-zA-Z0-9_-]{1,64}$`` and unique;
* ``GET /v1/messages/batches/{id}``: ``processing_status`` (in_progress, canceling,
  ended), ``request_counts {processing, succeeded, errored, canceled, expired}`` (the
  last four stay 0 until the whole batch has ended), ``cancel_initiated_at``,
  ``results_url``; ``POST .../cancel``; ``GET /v1/messages/batches?limit=``;
* result lines ``{"custom_id", "result": {"type": "succeeded", "message"} | {"type":
  "errored", "error": {"type": "error", "error": {"type", "message"}}} | {"type":
  "canceled"} | {"type": "expired"}}`` from ``results_url``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from llmsdk._engine.http import encode_body
from llmsdk.batches._backend import (
    BatchBackend, BatchItem, BatchLimits, BatchResult, Json, as_object, int_field, parse_or_error,
)
from llmsdk.batches._idempotent import token_time
from llmsdk.batches.job import BatchCounts, BatchStatus
from llmsdk.errors import BatchRequestNotRunError, make_body_error
from llmsdk.providers.anthropic.response import parse_response

__all__ = ["AnthropicBatches", "build_request_body"]

PATH = "/v1/messages/batches"
#: Seconds a job's ``created_at`` may precede our clock's send time and still be ours.
CLOCK_SLACK = 120.0


def _epoch(value: Any) -> Optional[float]:
    """An RFC 3339 time (``2026-01-01T00:00:00Z``) as epoch seconds; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def build_request_body(items: Sequence[BatchItem]) -> Json:
    """The ``POST /v1/messages/batches`` body."""
    return {"requests": [{"custom_id": item.key, "params": item.body} for item in items]}


class AnthropicBatches(BatchBackend):
    provider = "anthropic"
    limits = BatchLimits(
        max_requests=100_000,
        max_bytes=256_000_000,
        key_pattern=re.compile(r"[a-zA-Z0-9_-]{1,64}"),
        key_rule="1-64 characters from a-z, A-Z, 0-9, '_' and '-'",
    )

    def create(self, items: Sequence[BatchItem], token: str) -> Json:
        body = build_request_body(items)
        data = encode_body(body)
        self.limits.check_size(self.provider, len(data))
        response = self.transport.send("POST", PATH, data=data, content_type="application/json", max_retries=0)
        result = response.json()
        return result if isinstance(result, dict) else {}

    def owns(self, raw: Json, token: str, count: int, since: float) -> bool:
        """Message Batches keep no metadata: ours is a job of ``count`` requests created
        since the create was sent, or since the token was made (less ``CLOCK_SLACK`` for
        clocks that disagree). Two jobs of the same size submitted at once by different
        processes could be mistaken for each other; the other batch APIs are exact."""
        made = token_time(token)
        since = max(since, made or 0.0)
        created = _epoch(raw.get("created_at"))
        if not since or created is None or created < since - CLOCK_SLACK:
            return False  # (a token of the caller's, looked for before any create: cannot tell)
        return self.read_state(raw)[2].total == count

    def retrieve(self, job_id: str) -> Json:
        return self.transport.json("GET", f"{PATH}/{job_id}")

    def list(self, limit: int) -> List[Json]:
        page = self.transport.json("GET", PATH, params={"limit": limit})
        return [job for job in page.get("data") or () if isinstance(job, dict)]

    def cancel(self, job_id: str) -> Json:
        return self.transport.json("POST", f"{PATH}/{job_id}/cancel")

    def read_state(self, raw: Json) -> Tuple[str, BatchStatus, BatchCounts]:
        counts = raw.get("request_counts") or {}
        processing = int_field(counts.get("processing"))
        succeeded = int_field(counts.get("succeeded"))
        errored = int_field(counts.get("errored"))
        canceled = int_field(counts.get("canceled"))
        expired = int_field(counts.get("expired"))
        if raw.get("processing_status") != "ended":
            status = BatchStatus.IN_PROGRESS
        elif raw.get("cancel_initiated_at"):
            status = BatchStatus.CANCELLED
        elif expired:
            status = BatchStatus.EXPIRED
        else:
            status = BatchStatus.COMPLETED
        total = processing + succeeded + errored + canceled + expired
        return str(raw.get("id") or ""), status, BatchCounts(total, succeeded, errored + canceled + expired,
                                                            processing)

    def results(self, raw: Json, keys: Optional[Sequence[str]]) -> Iterator[BatchResult]:
        url = raw.get("results_url")
        if not isinstance(url, str) or not url:
            raw = self.retrieve(str(raw.get("id")))
            url = raw.get("results_url")
        if not isinstance(url, str) or not url:
            return
        for line in self.transport.lines(url, headers={"Accept": "application/binary"}):
            yield self.read_line(line)

    def read_line(self, line: Any) -> BatchResult:
        """One line of the results file."""
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
            raise make_body_error(f"anthropic result line without custom_id: {str(line)[:200]}", provider=self.provider)
        key = line["custom_id"]
        result = as_object(line.get("result"))
        kind = result.get("type")
        if kind == "succeeded":
            return key, parse_or_error(parse_response, result.get("message"))
        if kind in ("canceled", "expired"):
            reason = "cancelled" if kind == "canceled" else "expired"
            return key, BatchRequestNotRunError(f"request {key!r} was {reason} before it ran", reason=reason)
        envelope = as_object(result.get("error"))
        error = as_object(envelope.get("error")) or envelope
        message = str(error.get("message") or f"request {key!r} failed ({kind})")
        request_id = envelope.get("request_id") if isinstance(envelope.get("request_id"), str) else None
        return key, make_body_error(message, error_type=error.get("type") or None, provider=self.provider,
                                    body=json.dumps(result), request_id=request_id)
