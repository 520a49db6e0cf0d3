"""Amazon Bedrock's catalog rows (``data/bedrock_models.json``) and its inference-profile ids.

Claude rows name the Claude API row whose prices and limits they share (see the file's
``source``), so the two stay in step; the other models have rows of their own. A
cross-region inference profile (``us.anthropic.claude-…``, ``eu.…``, ``global.…``) is the
same model at the same price: ``base_model_id`` strips the prefix for lookups, while
the request keeps the caller's spelling on the wire.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Tuple

__all__ = ["BEDROCK_RESOURCE", "INFERENCE_PROFILE_PREFIXES", "base_model_id", "bedrock_rows"]

BEDROCK_RESOURCE = ("data", "bedrock_models.json")
INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.")


def base_model_id(model_id: str) -> str:
    """``us.anthropic.claude-…`` -> ``anthropic.claude-…`` (other ids unchanged)."""
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            return model_id[len(prefix):]
    return model_id


def bedrock_rows(bedrock: Dict[str, Any], catalog_rows: List[Dict[str, Any]]) -> List[Tuple[Dict[str, Any], str]]:
    """Catalog rows for Bedrock, each with the ``(provider, model_id)`` key whose
    structured-output mode it takes (the Claude API row's for Claude models)."""
    claude = {row["model_id"]: row for row in catalog_rows if row["provider"] == "anthropic"}
    out: List[Tuple[Dict[str, Any], str]] = []
    for bedrock_id, anthropic_id in bedrock.get("claude", {}).items():
        source = claude.get(anthropic_id)
        if source is None:  # the shared catalog dropped it: no price to borrow
            continue
        row = copy.deepcopy(source)
        row.update(provider="bedrock", model_id=bedrock_id, aliases=[])
        row.pop("litellm_key", None)
        out.append((row, f"anthropic/{anthropic_id}"))
    out.extend((row, f"bedrock/{row['model_id']}") for row in bedrock.get("models", []))
    return out
