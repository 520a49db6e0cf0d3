"""``llmsdk chat``: stream a reply to stdout, or hold a multi-turn session in a terminal.

    llmsdk chat "Write a haiku about threads"
    echo "Summarise this" | llmsdk chat -m gpt-4o-mini -p openai
    llmsdk chat                      # in a terminal: interactive, /reset clears, Ctrl-D quits
    llmsdk chat --schema invoice.json "Extract: ..."   # a JSON object matching the schema
    llmsdk chat --mcp "python server.py" --mcp https://host/mcp "What is 2+3?"   # MCP tools

The key comes from the provider's environment variable (``ANTHROPIC_API_KEY`` ...); a
missing one is reported on one line with exit status 2. Ctrl-C closes the stream (the
worker thread stops and the connection is released) and exits 130; in a session it
only abandons the current reply.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from typing import Any, List, Optional, TextIO

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEFAULT_PROVIDER = "anthropic"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "chat", help="stream a reply to a prompt (interactive session in a terminal)",
        description="Stream a model's reply. PROMPT, else standard input when piped, else an "
                    "interactive session.",
    )
    add_client_arguments(parser)
    parser.add_argument("--system", "-s", help="system prompt")
    parser.add_argument("--max-tokens", type=int, help="maximum output tokens")
    parser.add_argument("--temperature", "-t", type=float, help="sampling temperature")
    parser.add_argument("--json", action="store_true", help="print the final response as JSON instead of streaming")
    parser.add_argument("--schema", metavar="FILE",
                        help="a JSON Schema file: ask for one JSON object matching it and print that object "
                             "(a refusal or a reply that does not match is an error, exit 1)")
    parser.add_argument("--mcp", action="append", metavar="SERVER", default=[],
                        help="an MCP server whose tools the model may call: a command line (started over stdio) "
                             "or an http(s) URL; repeatable")
    parser.add_argument("-v", "--verbose", action="store_true", help="usage, cost and request id on stderr")
    parser.add_argument("prompt", nargs="*", help="the prompt (default: standard input, or interactive)")
    parser.set_defaults(run=run)


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that talks to a provider shares."""
    parser.add_argument("--provider", "-p", help=f"provider config key (default: the model's, else {DEFAULT_PROVIDER})")
    parser.add_argument("--model", "-m", help="model id (default: the provider's default model)")
    parser.add_argument("--api-base", help="service root URL (default: the provider's, or <PREFIX>_BASE_URL)")


class CommandError(Exception):
    """A one-line message for stderr, and an exit status."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


def resolve_provider_and_model(args: argparse.Namespace) -> "tuple[str, str]":
    from llmsdk.models import find_model
    from llmsdk.providers import get_provider

    provider_key = args.provider
    if provider_key is None and args.model:
        known = find_model(args.model)
        provider_key = str(known.provider) if known is not None else None
    provider_key = provider_key or os.environ.get("LLMSDK_PROVIDER") or DEFAULT_PROVIDER
    try:
        provider = get_provider(provider_key)
    except Exception as exc:  # noqa: BLE001 - an unknown provider name is a usage error
        raise CommandError(str(exc), EXIT_USAGE) from exc
    model = args.model or provider.default_model_id()
    if not model:
        raise CommandError(f"{provider.name()} has no default model: pass --model", EXIT_USAGE)
    return provider.config_key(), model


def make_client(args: argparse.Namespace, provider_key: str) -> Any:
    """A client from the environment; a missing key or bad URL is a usage error (exit 2)."""
    from llmsdk import HttpClientOptions, LLMClient
    from llmsdk.errors import InvalidConfigError

    try:
        kwargs = {"api_base": args.api_base} if args.api_base else {}
        return LLMClient(HttpClientOptions.from_env(provider_key, **kwargs))
    except InvalidConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc


def fail(message: str) -> None:
    sys.stderr.write(f"llmsdk: error: {message}\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from llmsdk.errors import LLMError

    try:
        args.output_schema = load_schema(args.schema) if getattr(args, "schema", None) else None
        provider_key, model = resolve_provider_and_model(args)
        client = make_client(args, provider_key)
    except CommandError as exc:
        fail(str(exc))
        return exc.status
    with client, ExitStack() as servers:
        try:
            args.tools = _open_mcp_servers(args.mcp, servers) if getattr(args, "mcp", None) else None
            if args.prompt:
                return _one_shot(client, model, args, " ".join(args.prompt))
            if not sys.stdin.isatty():
                return _one_shot(client, model, args, sys.stdin.read().rstrip())
            return _session(client, model, args)
        except LLMError as exc:
            fail(f"{type(exc).__name__}: {exc}")
            return EXIT_ERROR
        except BrokenPipeError:
            _silence_stdout()
            return EXIT_ERROR


def _open_mcp_servers(specs: List[str], stack: ExitStack) -> List[Any]:
    """The tools of every ``--mcp`` server (closed with ``stack``); clashing names are
    prefixed with their server's name by ``run_tools``."""
    from llmsdk.mcp import MCPServer

    tools: List[Any] = []
    for spec in specs:
        if spec.startswith(("http://", "https://")):
            server = stack.enter_context(MCPServer.http(spec))
        else:
            server = stack.enter_context(MCPServer.stdio(spec))
        tools.extend(server.tools())
    return tools


def load_schema(path: str) -> Any:
    """The JSON Schema in ``path``; an unreadable or non-object file is a usage error."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the schema {path}: {exc}", EXIT_USAGE) from exc
    if not isinstance(schema, dict):
        raise CommandError(f"the schema in {path} is not a JSON object", EXIT_USAGE)
    return schema


def _request(model: str, args: argparse.Namespace, messages: List[Any]) -> Any:
    from llmsdk import LLMRequest

    return LLMRequest(model=model, messages=list(messages), system=args.system, max_tokens=args.max_tokens,
                      temperature=args.temperature, output_schema=getattr(args, "output_schema", None))


def _one_shot(client: Any, model: str, args: argparse.Namespace, prompt: str) -> int:
    from llmsdk import LLMMessage

    if not prompt.strip():
        fail("empty prompt")
        return EXIT_USAGE
    reply = _stream_reply(client, _request(model, args, [LLMMessage.user(prompt)]), args, sys.stdout)
    return EXIT_OK if reply is not None else EXIT_INTERRUPTED


def _session(client: Any, model: str, args: argparse.Namespace) -> int:
    """An interactive conversation; the history lives here, one reply per line typed."""
    from llmsdk import LLMMessage
    from llmsdk.errors import LLMError

    err = sys.stderr
    err.write(f"llmsdk chat · {client.provider.config_key()} · {model}  (/reset clears, Ctrl-D quits)\n")
    messages: List[Any] = []
    while True:
        try:
            line = input("> ")
        except EOFError:
            err.write("\n")
            return EXIT_OK
        except KeyboardInterrupt:
            err.write("\n")
            return EXIT_INTERRUPTED
        text = line.strip()
        if not text:
            continue
        if text in ("/exit", "/quit"):
            return EXIT_OK
        if text == "/reset":
            messages.clear()
            err.write("(history cleared)\n")
            continue
        messages.append(LLMMessage.user(text))
        try:
            reply = _stream_reply(client, _request(model, args, messages), args, sys.stdout)
        except LLMError as exc:
            fail(f"{type(exc).__name__}: {exc}")
            messages.pop()
            continue
        if reply is None:  # interrupted: forget the unanswered turn
            messages.pop()
            continue
        if hasattr(reply, "new_messages"):  # a tool run (--mcp): its calls and results stay in the history
            messages.extend(reply.new_messages)
        else:
            messages.append(reply.to_message())


def _tool_reply(client: Any, request: Any, args: argparse.Namespace, out: TextIO) -> Optional[Any]:
    """With ``--mcp``: let the model call the servers' tools until it answers, then print
    the answer (each call on stderr with ``-v``). The ``ToolRunResult``, or ``None`` if
    Ctrl-C stopped it."""
    started = time.monotonic()
    try:
        result = client.run_tools(request, args.tools)
    except KeyboardInterrupt:
        sys.stderr.write("\n[interrupted]\n")
        return None
    if args.verbose:
        for message in result.new_messages:
            for call in message.blocks:
                if getattr(call, "type", None) == "tool_use":
                    sys.stderr.write(f"[tool {call.name}({_short(call.input)})]\n")
    response = result.response
    if args.json:
        out.write(response.to_json(indent=2) + "\n")
    else:
        out.write(response.text + "\n")
    out.flush()
    if args.verbose:
        _report(response, None, time.monotonic() - started)
    return result


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _stream_reply(client: Any, request: Any, args: argparse.Namespace, out: TextIO) -> Optional[Any]:
    """Stream one reply to ``out``; ``None`` if Ctrl-C stopped it (the stream is closed)."""
    if getattr(args, "tools", None):
        return _tool_reply(client, request, args, out)
    started = time.monotonic()
    stream = None
    try:
        stream = client.send(request)
        with stream:
            if args.json:
                response = stream.final_response()
                out.write(response.to_json(indent=2) + "\n")
            elif getattr(args, "output_schema", None) is not None:
                response = _print_object(stream.final_response(), args.output_schema, out)
            else:
                for text in stream.text_stream():
                    out.write(text)
                    out.flush()
                response = stream.final_response()
                out.write("\n")
            out.flush()
    except KeyboardInterrupt:
        if stream is not None:
            stream.close()
        out.flush()
        sys.stderr.write("\n[interrupted]\n")
        return None
    if args.verbose:
        _report(response, stream, time.monotonic() - started)
    return response


def _print_object(response: Any, schema: Any, out: TextIO) -> Any:
    """The parsed object as indented JSON; a refusal or a mismatch raises (one line, exit 1)."""
    import json

    from llmsdk._structured.replies import parse_response

    out.write(json.dumps(parse_response(response, schema), indent=2, ensure_ascii=False) + "\n")
    return response


def _report(response: Any, stream: Any, seconds: float) -> None:
    u = response.usage
    cached = f", cache reads {u.cache_reads}, cache writes {u.cache_writes}" if u.cache_reads or u.cache_writes else ""
    cost = f"${response.cost:.6f}" if response.cost is not None else "unknown (model not priced)"
    sys.stderr.write(
        f"[{response.model} · {u.input_tokens} in, {u.output_tokens} out{cached} · cost {cost} · "
        f"stop {response.stop_reason} · {seconds:.2f}s · request id "
        f"{stream.request_id if stream is not None else getattr(response, 'request_id', None)}]\n"
    )
    sys.stderr.flush()


def _silence_stdout() -> None:
    """The reader went away (``| head``): stop Python complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
