"""What the engine tells telemetry mid-call: a retry, as an event on the call's span (the
current span on the thread that retries). One global read when telemetry is off."""

from __future__ import annotations

from llmsdk._telemetry.settings import instruments

__all__ = ["retry_event"]


def retry_event(attempt: int, error: BaseException, wait: float) -> None:
    telemetry = instruments()
    if telemetry is not None:
        telemetry.retry_on_current_span(attempt, error, wait)
