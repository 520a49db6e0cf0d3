"""Which Anthropic API version a request speaks, and what each version allows. Pure.

``2026-10-21`` (the default; PROVIDERS.md §9.1) removed ``temperature``/``top_p``/``top_k``
(any of them is a 400, even at default values), and refuses a ``document`` block in an
assistant turn and a text block with ``citations`` in a user turn. ``2023-06-01`` is still
served and can be pinned per client (``HttpClientOptions.new_anthropic(key,
anthropic_version="2023-06-01")``). The clouds put the version in the body:

>>> body_anthropic_version("bedrock", "anthropic.claude-opus-4-6-v1:0")
'bedrock-2023-05-31'
>>> body_anthropic_version("bedrock", "us.anthropic.claude-opus-4-8")
'2026-10-21'
>>> body_anthropic_version("vertex", "claude-sonnet-5-5")
'2026-10-21'
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from llmsdk.errors import InvalidConfigError

__all__ = [
    "BEDROCK_LEGACY",
    "DEFAULT_VERSION",
    "LEGACY_VERSION",
    "LATEST_VERSION",
    "SAMPLING_PARAMS",
    "VERTEX_LEGACY",
    "allows_sampling",
    "body_anthropic_version",
    "check_version",
    "claude_generation",
    "strict_turns",
]

LATEST_VERSION = "2026-10-21"
LEGACY_VERSION = "2023-06-01"
DEFAULT_VERSION = LATEST_VERSION
#: The body ``anthropic_version`` of the legacy Bedrock (InvokeModel) and Vertex integrations.
BEDROCK_LEGACY = "bedrock-2023-05-31"
VERTEX_LEGACY = "vertex-2023-10-16"
_LEGACY = frozenset({LEGACY_VERSION, BEDROCK_LEGACY, VERTEX_LEGACY})
#: The request fields 2026-10-21 removed.
SAMPLING_PARAMS = ("temperature", "top_p", "top_k")
#: The first Claude generation Bedrock serves on 2026-10-21 (PROVIDERS.md §9.1).
BEDROCK_NEW_VERSION_FROM = (4, 7)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# claude-opus-4-7, claude-sonnet-4-5-20250929, claude-3-7-sonnet-20250219, claude-opus-5,
# anthropic.claude-haiku-4-5-20251001-v1:0, us.anthropic.claude-opus-4-8, claude-opus-4-1@20250805
_FAMILY_FIRST = re.compile(r"claude-(?:opus|sonnet|haiku|fable|mythos)-(\d+)(?:-(\d{1,2}))?(?![0-9])")
_VERSION_FIRST = re.compile(r"claude-(\d+)(?:-(\d{1,2}))?-(?:opus|sonnet|haiku)")


def check_version(version: Optional[str]) -> str:
    """The header version to send: ``version`` (a ``YYYY-MM-DD`` date), or the default.
    A date llmsdk does not know is sent as given and treated like ``2026-10-21``."""
    if version is None:
        return DEFAULT_VERSION
    if not isinstance(version, str) or not _DATE.match(version):
        raise InvalidConfigError(f"anthropic_version must be a date such as {LATEST_VERSION!r} or "
                                 f"{LEGACY_VERSION!r}, got {version!r}")
    return version


def allows_sampling(version: str) -> bool:
    """Whether ``temperature``/``top_p``/``top_k`` may be sent on ``version`` (header or
    body value): only the legacy ones. Model rules still apply on them (Sonnet 5 and later
    reject non-default sampling values)."""
    return version in _LEGACY


def strict_turns(version: str) -> bool:
    """Whether ``version`` refuses documents in assistant turns and citations in user turns."""
    return version not in _LEGACY


def claude_generation(model_id: str) -> Optional[Tuple[int, int]]:
    """``(major, minor)`` of a Claude model id in any spelling (first-party, Bedrock with
    region prefix and ``-v1:0``, Vertex ``@date``); None when it is not a Claude id."""
    text = model_id.lower()
    match = _FAMILY_FIRST.search(text)
    if match is not None:
        minor = match.group(2)
        return int(match.group(1)), int(minor) if minor is not None else 0
    match = _VERSION_FIRST.search(text)
    if match is not None:
        minor = match.group(2)
        return int(match.group(1)), int(minor) if minor is not None else 0
    return None


def body_anthropic_version(surface: str, model_id: str, pinned: Optional[str] = None) -> str:
    """The body ``anthropic_version`` for a Claude model on a cloud that takes it in the body.

    ``surface``: ``"bedrock"`` (InvokeModel and bedrock-runtime ``/anthropic/v1/messages``)
    or ``"vertex"`` (``rawPredict`` / ``streamRawPredict``). ``pinned``: the client's
    ``anthropic_version`` setting, if any (``"2023-06-01"`` selects the surface's legacy value).

    Bedrock: ``bedrock-2023-05-31`` for ARN-versioned ids (``…-v1:0``, accepted by every
    model) and Claude before 4.7, which "may return a 400" on 2026-10-21; ``2026-10-21`` for
    Claude 4.7 and later and for ids that name no Claude version.
    Vertex: ``2026-10-21`` unless pinned to the legacy ``vertex-2023-10-16``.
    """
    if surface not in ("bedrock", "vertex"):
        raise InvalidConfigError(f"surface must be 'bedrock' or 'vertex', got {surface!r}")
    legacy = BEDROCK_LEGACY if surface == "bedrock" else VERTEX_LEGACY
    if pinned is not None and (pinned in _LEGACY or pinned < LATEST_VERSION):
        return legacy
    if surface == "vertex":
        return LATEST_VERSION
    if re.search(r"-v\d+:\d+$", model_id):  # ARN-versioned: the legacy integration, which every model accepts
        return legacy
    generation = claude_generation(model_id)
    return legacy if generation is not None and generation < BEDROCK_NEW_VERSION_FROM else LATEST_VERSION
