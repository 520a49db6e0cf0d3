"""OpenTelemetry for every call, by the GenAI semantic conventions.

With ``opentelemetry-api`` installed (``pip install 'llmsdk[otel]'``) and an SDK configured
(the standard ``OTEL_*`` environment, or your own ``TracerProvider`` / ``MeterProvider``),
each call emits one CLIENT span ``"{operation} {model}"`` — ``gen_ai.operation.name``,
``gen_ai.provider.name``, request parameters, ``gen_ai.response.id``/``model``/
``finish_reasons``, usage by token type, ``server.address``, ``error.type`` — ended when its
stream ends; retries are span events; ``run_tools`` wraps each tool in an ``execute_tool``
span; and the metrics ``gen_ai.client.token.usage``, ``gen_ai.client.operation.duration``,
``gen_ai.client.operation.time_to_first_chunk`` and ``time_per_output_chunk`` are recorded,
with ``llmsdk.cost`` (USD) beside them. Without OpenTelemetry nothing is imported or paid.

>>> import llmsdk.telemetry
>>> llmsdk.telemetry.configure(capture_content=True)   # messages in the span (off by default)
>>> llmsdk.telemetry.configure(enabled=False)          # no telemetry at all

Message content is captured only when asked: ``configure(capture_content=True)`` or
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``.
"""

from __future__ import annotations

from typing import Any, Optional

from llmsdk._telemetry import settings

__all__ = ["configure"]


def configure(enabled: Optional[bool] = None, capture_content: Optional[bool] = None,
              tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Turn llmsdk's telemetry on or off (``enabled``, on by default) and message content
    capture (``capture_content``, else the ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
    environment variable); ``tracer_provider`` / ``meter_provider`` replace OpenTelemetry's
    global ones for llmsdk. Arguments left ``None`` keep their setting."""
    settings.configure(enabled=enabled, capture_content=capture_content, tracer_provider=tracer_provider,
                       meter_provider=meter_provider)
