"""Whether llmsdk emits OpenTelemetry, and whether message content goes in it: set by
``llmsdk.telemetry.configure``, else from the standard environment variable. Reading the
settings imports nothing; OpenTelemetry is imported on the first call that could emit."""

from __future__ import annotations

import os
import threading
from typing import Any, Optional

__all__ = ["CAPTURE_ENV", "capture_content", "configure", "instruments"]

#: The OpenTelemetry GenAI instrumentations' switch for message content.
CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

_lock = threading.Lock()
_enabled = True
_capture: Optional[bool] = None
#: The tracer and instruments once made (``False``: OpenTelemetry is not installed).
_instruments: Any = None
#: Providers given to ``configure`` (else OpenTelemetry's global ones).
_providers: Any = (None, None)


def configure(enabled: Optional[bool] = None, capture_content: Optional[bool] = None,
              tracer_provider: Any = None, meter_provider: Any = None) -> None:
    global _enabled, _capture, _instruments, _providers
    with _lock:
        if enabled is not None:
            _enabled = bool(enabled)
        if capture_content is not None:
            _capture = bool(capture_content)
        if tracer_provider is not None or meter_provider is not None:
            _providers = (tracer_provider, meter_provider)
            if _instruments is not False:
                _instruments = None  # made again, from the new providers


def capture_content() -> bool:
    if _capture is not None:
        return _capture
    return os.environ.get(CAPTURE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def instruments() -> Any:
    """The tracer and metric instruments, or None when telemetry is off or OpenTelemetry
    is not installed (then this costs one global read per call)."""
    global _instruments
    if not _enabled or _instruments is False:
        return None
    if _instruments is None:
        with _lock:
            if _instruments is None:
                try:
                    from llmsdk._telemetry.otel import Instruments
                except ImportError:
                    _instruments = False
                    return None
                _instruments = Instruments(*_providers)
    return _instruments
