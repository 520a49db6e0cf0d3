"""``llmsdk serve-fake``: every provider's routes on one local port, for running code offline.

    $ llmsdk serve-fake --port 8765
    export ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL=http://127.0.0.1:8765 ...

Replies echo the last user message (``echo: <text>``), or come from ``--replies FILE`` in
order (one reply a line; a JSON line ``{"text": ...}`` for text with newlines), then echo.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
from typing import Any, List, Optional


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve-fake", help="serve every provider's routes offline (echo or scripted replies)",
        description="A fake provider server on 127.0.0.1 for every built-in provider: point "
                    "<PROVIDER>_BASE_URL at it (the printed exports do) and run your code offline.")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--replies", metavar="FILE",
                        help='reply texts in order, one a line (or JSON lines {"text": ...}); then echo')
    parser.set_defaults(run=run)


def read_replies(path: str) -> List[str]:
    """The reply texts of ``path``: a line each, or ``{"text": ...}`` JSON lines."""
    texts: List[str] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                try:
                    texts.append(str(json.loads(line)["text"]))
                    continue
                except (ValueError, KeyError, TypeError):
                    pass
            texts.append(line)
    return texts


def run(args: argparse.Namespace, stop: Optional[threading.Event] = None) -> int:
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing.every_provider import provider_env, serve_every_provider

    try:
        replies = read_replies(args.replies) if args.replies else None
    except OSError as exc:
        sys.stderr.write(f"llmsdk serve-fake: cannot read {args.replies}: {exc.strerror}\n")
        return 2
    server = FakeProviderServer(host=args.host, port=args.port)
    try:
        server.start()
    except OSError as exc:
        sys.stderr.write(f"llmsdk serve-fake: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
        return 2
    serve_every_provider(server, replies)
    env = provider_env(server.url)
    sys.stdout.write(f"# llmsdk fake provider server on {server.url} (Ctrl-C stops it)\n")
    sys.stdout.write("export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items())) + "\n")
    sys.stdout.flush()
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
