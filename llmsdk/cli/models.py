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
    parser.add_argument("--api-base", help="with --provider ollama: the server (default: OLLAMA_HOST, else "
                                           "http://localhost:11434)")
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
    if provider == "ollama":
        return run_ollama(args)
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


# -- Ollama: the models the local server has (issue 28) --------------------------------------

OLLAMA_COLUMNS = ("NAME", "SIZE", "FAMILY", "PARAMETERS", "QUANTIZATION")


def _size(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-"
    return f"{value / 1e9:.1f} GB"


def run_ollama(args: argparse.Namespace) -> int:
    """``GET /api/tags`` on the Ollama server: its local models are free and not in the
    catalog, so they are listed from the server itself."""
    import requests

    from llmsdk.config import HttpClientOptions
    from llmsdk.errors import InvalidConfigError
    from llmsdk.providers.ollama.client import OllamaAdapter, ollama_host, parse_tags

    try:
        options = (HttpClientOptions.new_ollama(ollama_host(args.api_base)) if getattr(args, "api_base", None)
                   else HttpClientOptions.from_env("ollama"))
    except InvalidConfigError as exc:
        sys.stderr.write(f"llmsdk models: {exc}\n")
        return 2
    url = OllamaAdapter().models_url(options.api_base)
    try:
        reply = requests.get(url, timeout=(5, 30), headers={"User-Agent": options.user_agent})
        reply.raise_for_status()
        local = parse_tags(reply.json())
    except (requests.RequestException, ValueError) as exc:
        sys.stderr.write(f"llmsdk models: cannot list Ollama's models at {url}: {exc}\n")
        return 1
    if args.json:
        json.dump(local, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    table = [[str(m["name"]), _size(m["size"]), str(m["family"] or "-"), str(m["parameter_size"] or "-"),
              str(m["quantization_level"] or "-")] for m in local]
    widths = [max([len(h)] + [len(r[i]) for r in table]) for i, h in enumerate(OLLAMA_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
             for row in [list(OLLAMA_COLUMNS), ["-" * w for w in widths], *table]]
    sys.stdout.write("\n".join(lines) + f"\n\n{len(table)} local models at {options.api_base} (free; no prices).\n")
    return 0
