"""``llmsdk count-tokens``: input tokens of a prompt, from the provider's counting
endpoint where one exists (Anthropic, Gemini), else an estimate.

    llmsdk count-tokens "How long is this?"
    llmsdk count-tokens -m gpt-4o-mini < prompt.txt
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from llmsdk.cli.chat import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CommandError, add_client_arguments, fail, \
    make_client, resolve_provider_and_model


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "count-tokens", aliases=["count_tokens"], help="count the input tokens of a prompt",
        description="Count input tokens: PROMPT, else standard input.",
    )
    add_client_arguments(parser)
    parser.add_argument("--system", "-s", help="system prompt (counted too)")
    parser.add_argument("--json", action="store_true", help='print {"model": ..., "input_tokens": N}')
    parser.add_argument("prompt", nargs="*", help="the prompt (default: standard input)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from llmsdk import LLMMessage, LLMRequest
    from llmsdk.errors import LLMError

    prompt = " ".join(args.prompt) if args.prompt else ("" if sys.stdin.isatty() else sys.stdin.read())
    if not prompt.strip():
        fail("no prompt: pass PROMPT or pipe it on standard input")
        return EXIT_USAGE
    try:
        provider_key, model = resolve_provider_and_model(args)
        client = make_client(args, provider_key)
    except CommandError as exc:
        fail(str(exc))
        return exc.status
    with client:
        try:
            count = client.count_tokens(LLMRequest(model=model, messages=[LLMMessage.user(prompt)],
                                                   system=args.system))
        except LLMError as exc:
            fail(f"{type(exc).__name__}: {exc}")
            return EXIT_ERROR
    if args.json:
        sys.stdout.write(json.dumps({"provider": provider_key, "model": model, "input_tokens": count}) + "\n")
    else:
        sys.stdout.write(f"{count}\n")
    return EXIT_OK
