"""Which ``anthropic_version`` a Claude body on Bedrock carries (PROVIDERS.md §9.1).

Claude 4.7 and later take ``2026-10-21``; the ARN-versioned models of the legacy
integration (Opus 4.6 and earlier, ``anthropic.claude-…-v1:0``) only
``bedrock-2023-05-31`` and may answer 400 to the new version.

A private stand-in: issue 22 adds ``llmsdk/providers/anthropic/versions.py`` with the
Bedrock body-version function; once it is on main this module should defer to it.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

__all__ = ["LEGACY_BEDROCK_VERSION", "CURRENT_VERSION", "bedrock_body_version", "claude_generation"]

LEGACY_BEDROCK_VERSION = "bedrock-2023-05-31"
CURRENT_VERSION = "2026-10-21"
_NEW_NAME = re.compile(r"claude-(?:opus|sonnet|haiku|fable)-(\d+)(?:-(\d)(?!\d))?")
_OLD_NAME = re.compile(r"claude-(\d+)(?:-(\d)(?!\d))?-(?:opus|sonnet|haiku)")


def claude_generation(model_id: str) -> Optional[Tuple[int, int]]:
    """(major, minor) of a Claude id (``claude-opus-4-6`` -> (4, 6), ``claude-3-5-haiku`` -> (3, 5))."""
    found = _NEW_NAME.search(model_id) or _OLD_NAME.search(model_id)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2) or 0)


def bedrock_body_version(model_id: str) -> str:
    """``2026-10-21`` for Claude 4.7 and later, else ``bedrock-2023-05-31``."""
    generation = claude_generation(model_id)
    if generation is None:  # an unknown name: the suffix of the legacy ids decides
        return LEGACY_BEDROCK_VERSION if re.search(r"-v\d+(?::\d+)?$", model_id) else CURRENT_VERSION
    return CURRENT_VERSION if generation >= (4, 7) else LEGACY_BEDROCK_VERSION
