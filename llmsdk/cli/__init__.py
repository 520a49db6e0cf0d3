"""The ``llmsdk`` command line (also ``python -m llmsdk``).

Each subcommand lives in ``llmsdk/cli/<name>.py`` and provides
``add_parser(subparsers)``, which registers it and sets ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import List, Optional

COMMANDS = ("chat", "count_tokens", "models", "demo", "batch", "batches", "serve_fake")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmsdk", description="Talk to LLM APIs from the command line.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module_name = f"llmsdk.cli.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(run(args) or 0)
    except BrokenPipeError:  # `llmsdk models --json | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
