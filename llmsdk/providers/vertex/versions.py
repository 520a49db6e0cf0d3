"""Which ``anthropic_version`` a Claude body on Google Cloud carries (PROVIDERS.md §9.1).

PRIVATE STOPGAP: issue 22 writes ``llmsdk/providers/anthropic/versions.py`` with the
whole rule for every surface; once it is on main this module should call it instead.

``2026-10-21`` (what AnthropicVertex 2.x sends) by default. That version refuses
``temperature``/``top_p``/``top_k`` with a 400, so a request that sets any of them is
sent with the legacy version (``vertex-2023-10-16`` in the Vertex body, ``2023-06-01``
as the header of the Anthropic-managed surface), which models that predate the change
still honour. A version pinned by the caller is kept; on ``2026-10-21`` the sampling
fields are then dropped with a warning rather than sent into a certain 400.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

__all__ = ["CURRENT", "VERTEX_LEGACY", "apply_version"]

CURRENT = "2026-10-21"
VERTEX_LEGACY = "vertex-2023-10-16"
HEADER_LEGACY = "2023-06-01"
_SAMPLING = ("temperature", "top_p", "top_k")

logger = logging.getLogger("llmsdk.vertex")


def apply_version(body: Dict[str, Any], pinned: Optional[str], *, legacy: str = VERTEX_LEGACY) -> str:
    """The version for ``body`` (which it may edit: sampling fields dropped on
    ``2026-10-21``)."""
    sampling = [key for key in _SAMPLING if key in body]
    version = pinned or (legacy if sampling else CURRENT)
    if version == CURRENT and sampling:
        logger.warning("anthropic_version %s refuses %s: dropped from the request", CURRENT, ", ".join(sampling))
        for key in sampling:
            del body[key]
    return version
