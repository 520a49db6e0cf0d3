"""``llmsdk models [--provider P] [--json]``: the model registry as a table or JSON.

Prices are USD per million tokens at the standard tier; ``*`` marks models whose price
rises for long prompts (``--json`` has the tiers and cache prices). STATUS is
``active``, ``retiring <date>`` or ``retired <date>`` (the catalog's ``deprecation_date``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, List, Optional, Sequence

COLUMNS = ("ID", "PROVIDER", "CONTEXT", "MAX OUT", "$/M IN", "$/M OUT", "STATUS", "CAPABILITIES")
RIGHT_ALIGNED = frozenset({"CONTEXT", "MAX OUT", "$/M IN", "$/M OUT"})
# Short capability labels, in ModelCapabilities field order.
CAPABILITY_LABELS = {
    "streaming": "stream",
    "tools": "tools",
    "vision": "vision",
    "thinking": "thinking",
    "json_mode": "json",
    "prompt_caching": "cache",
    "documents": "pdf",
    "embeddings": "embed",
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("models", help="list known models with context windows, prices and capabilities")
    parser.add_argument("--provider", "-p", help="only this provider's models (config key, e.g. anthropic)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def _tokens(value: Optional[int]) -> str:
    return f"{value:,}" if value is not None else "-"


def _price(value: Optional[float], tiered: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:g}" + ("*" if tiered else "")


def rows(models: Sequence[Any]) -> List[List[str]]:
    """One table row per model (strings, in ``COLUMNS`` order)."""
    out = []
    for m in models:
        caps = m.capabilities
        labels = " ".join(CAPABILITY_LABELS.get(name, name) for name in caps.names()) if caps is not None else "?"
        tiered = bool(m.pricing_tiers)
        input_price = "fn" if m.cost_function is not None and m.input_per_mtok is None else _price(m.input_per_mtok, tiered)
        output_price = "fn" if m.cost_function is not None and m.output_per_mtok is None else _price(m.output_per_mtok, tiered)
        out.append([m.model_name, m.provider, _tokens(m.context_window), _tokens(m.max_output_tokens),
                    input_price, output_price, m.status(), labels])
    return out


def format_table(table: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in table]) for i, h in enumerate(COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if h in RIGHT_ALIGNED else c.ljust(w) for c, w, h in zip(cells, widths, COLUMNS)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(COLUMNS), line(["-" * w for w in widths]), *(line(r) for r in table)])


def run(args: argparse.Namespace) -> int:
    from llmsdk.errors import InvalidConfigError
    from llmsdk.models import all_models
    from llmsdk.providers import get_provider

    provider = None
    if args.provider:
        try:
            provider = get_provider(args.provider).config_key()
        except InvalidConfigError as exc:
            sys.stderr.write(f"llmsdk models: {exc}\n")
            return 2
    models = all_models(provider)
    if args.json:
        json.dump([m.to_dict() for m in models], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not models:
        sys.stdout.write(f"no models registered for {provider}\n")
        return 0
    sys.stdout.write(format_table(rows(models)) + "\n")
    sys.stdout.write(f"\n{len(models)} models. Prices: USD per million tokens; "
                     "* = higher price above a long-context threshold (see --json).\n")
    return 0
