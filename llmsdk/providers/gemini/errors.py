"""Gemini error bodies, read the same way for an HTTP error reply (pretty-printed, maybe
``[...]``-wrapped) and for a ``data: {"error": ...}`` frame inside a stream
(PROVIDERS.md §4.5)::

    {"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED",
               "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": "37s"}, ...]}}

Beyond the shared reading (``llmsdk/_core/error_bodies.py``: ``status`` names the type,
the numeric ``code`` is the HTTP status):

* a ``google.rpc.ErrorInfo`` reason ``API_KEY_INVALID`` is the type (Gemini answers a bad
  key with 400 ``INVALID_ARGUMENT``), so it raises ``AuthenticationError``;
* a ``google.rpc.RetryInfo`` ``retryDelay`` is ``retry_after``;
* a ``google.rpc.QuotaFailure`` on a per-day quota means retrying today will not help:
  ``should_retry=False``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional

from llmsdk._core.error_bodies import ErrorInfo, error_object, error_type_of, generic_error_info

__all__ = ["error_info"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _details(err: Dict[str, Any]) -> List[Dict[str, Any]]:
    details = err.get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _is(detail: Dict[str, Any], kind: str) -> bool:
    return str(detail.get("@type", "")).endswith(kind)


def _retry_delay(details: List[Dict[str, Any]]) -> Optional[float]:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "37s"``), if any."""
    for detail in details:
        if _is(detail, "google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _reason(details: List[Dict[str, Any]]) -> Optional[str]:
    """The ``google.rpc.ErrorInfo`` reason (``API_KEY_INVALID``...), if any."""
    for detail in details:
        if _is(detail, "google.rpc.ErrorInfo") and isinstance(detail.get("reason"), str):
            return str(detail["reason"])
    return None


def _daily_quota_spent(details: List[Dict[str, Any]]) -> bool:
    """A ``QuotaFailure`` on a per-day quota: retrying today will not help."""
    for detail in details:
        if _is(detail, "google.rpc.QuotaFailure"):
            for violation in detail.get("violations") or ():
                if isinstance(violation, dict) and "PerDay" in str(violation.get("quotaId", "")):
                    return True
    return False


def error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``body``: the reply text or the parsed frame; ``status``: None inside a stream."""
    info = generic_error_info(status, body)
    data = error_object(body)
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return info
    details = _details(err)
    if not details:
        return info
    return dataclasses.replace(
        info,
        type=error_type_of(err, _reason(details)),
        retry_after=_retry_delay(details),
        should_retry=False if _daily_quota_spent(details) else None,
    )
