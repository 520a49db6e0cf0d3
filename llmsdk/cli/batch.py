"""``llmsdk batch``: run a JSONL file of requests through ``client.map`` and write one
result line per item. The output file is also the checkpoint: rerunning the same command
skips the keys already answered (and retries the ones that failed).

    llmsdk batch questions.jsonl -o answers.jsonl -m claude-haiku-4-5 --concurrency 16 --rpm 500
    llmsdk batch questions.jsonl -o answers.jsonl -p openai --provider-batch   # half price, asynchronous

Each input line is ``{"key": "q1", "prompt": "..."}`` or ``{"key": "q1", "request":
<LLMRequest JSON>}`` (a request without ``model`` gets ``-m``'s). A line without a key is
keyed by its request's hash (``req-<hash>``), never by its line number, so a rerun over
reordered input still matches each answer to its request. Output lines are result lines
(``llmsdk._many.checkpoint``): ``{"key", "request_hash", "response" | "error", "usage",
"cost"}``. A summary
(done, failed, tokens, cost, wall time) ends on stderr; the exit status is 0 when every
row was answered, 1 when some failed, 2 for a usage error, 130 after Ctrl-C.

With ``--provider-batch`` the rows go as one provider batch job instead (OpenAI, Groq,
Anthropic, Gemini: about half price, answered within 24 hours): the command submits it,
waits with a progress bar, and writes the same result lines. The job is recorded in
``OUTPUT.batch.json`` before the first wait, so a rerun after Ctrl-C or a crash picks the
same job up (waits for it or fetches its results) instead of paying for a second one;
``--new-job`` submits another anyway.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from llmsdk.cli.chat import (
    EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandError, add_client_arguments, fail, make_client,
    resolve_provider_and_model,
)

#: Failures listed one by one after the summary (the rest are counted).
SHOWN_FAILURES = 5

Key = Union[str, int]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "batch", help="run a JSONL file of requests, resumably",
        description="Send every request of INPUT (JSONL: {\"key\", \"prompt\"} or {\"key\", \"request\"} per "
                    "line) and write one result line per item to OUTPUT. Rerun to resume: keys already "
                    "answered in OUTPUT are skipped.",
    )
    add_client_arguments(parser)
    parser.add_argument("input", help="the requests, one JSON object per line")
    parser.add_argument("-o", "--output", required=True, help="the results (JSONL), also the checkpoint")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at once (default 16)")
    parser.add_argument("--rpm", type=float, help="at most this many requests a minute")
    parser.add_argument("--tpm", type=float, help="at most this many tokens a minute (estimated, then corrected)")
    parser.add_argument("--input-tpm", type=float, help="at most this many input tokens a minute (Anthropic's ITPM)")
    parser.add_argument("--output-tpm", type=float, help="at most this many output tokens a minute (Anthropic's OTPM)")
    parser.add_argument("--system", "-s", help="system prompt for prompt lines")
    parser.add_argument("--max-tokens", type=int, help="maximum output tokens for prompt lines")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--provider-batch", action="store_true",
                        help="send the rows as one provider batch job (about half price; waits for it)")
    parser.add_argument("--poll-interval", type=float, default=30.0,
                        help="with --provider-batch: seconds between status polls (default 30, backing off)")
    parser.add_argument("--new-job", action="store_true",
                        help="with --provider-batch: submit a new job even if OUTPUT.batch.json records one")
    parser.set_defaults(run=run)


def read_input(path: str, model: str, *, system: Optional[str] = None,
               max_tokens: Optional[int] = None) -> Iterator[Any]:
    """``(key, LLMRequest)`` per input line, read lazily, or the bare ``LLMRequest`` of a
    line without a key (``client.map`` keys it by its hash); an unreadable line becomes
    ``(key, InvalidRequestError)``, which ``client.map`` reports as that row's error."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                key, request = parse_input_line(line, number, model, system=system, max_tokens=max_tokens)
                yield request if key is None else (key, request)


def keyed_by_content(items: Iterator[Any]) -> Iterator[Tuple[Key, Any]]:
    """``(key, request)`` pairs, a bare request keyed as ``client.map`` saves it (its
    hash, and its occurrence among identical ones): a provider batch needs every key."""
    from llmsdk._many.checkpoint import content_key, request_hash

    occurrences: Dict[str, int] = {}
    for item in items:
        if isinstance(item, tuple):
            yield item
            continue
        digest = request_hash(item)
        occurrences[digest] = occurrences.get(digest, 0) + 1
        yield content_key(digest, occurrences[digest]), item


def parse_input_line(line: str, number: int, model: str, *, system: Optional[str] = None,
                     max_tokens: Optional[int] = None) -> Tuple[Optional[Key], Any]:
    """One input line: ``{"key", "prompt"}`` or ``{"key", "request"}``. A line without a
    key gets None (it is keyed by its request's hash, not its line number)."""
    from llmsdk import LLMMessage, LLMRequest
    from llmsdk.errors import InvalidRequestError

    try:
        data = json.loads(line)
    except ValueError as exc:
        return f"line-{number}", InvalidRequestError(f"line {number}: not JSON ({exc})")
    if not isinstance(data, dict):
        return f"line-{number}", InvalidRequestError(f"line {number}: expected a JSON object")
    key = data.get("key")
    if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int))):
        return f"line-{number}", InvalidRequestError(f"line {number}: key must be a string or an integer")
    if "request" in data:
        raw = data["request"]
        if not isinstance(raw, dict):
            return _row(key, number), InvalidRequestError(f"line {number}: request must be a JSON object")
        try:
            request = LLMRequest.from_dict({"model": model, **raw})
        except Exception as exc:  # noqa: BLE001 - whatever the decoder raises, the row says so
            return _row(key, number), InvalidRequestError(
                f"line {number}: not an LLMRequest ({type(exc).__name__}: {exc})")
        return key, request
    prompt = data.get("prompt")
    if isinstance(prompt, str):
        return key, LLMRequest(model=model, messages=[LLMMessage.user(prompt)], system=system,
                               max_tokens=max_tokens)
    return _row(key, number), InvalidRequestError(f'line {number}: needs "prompt" (a string) or "request" (an object)')


def _row(key: Optional[Key], number: int) -> Key:
    """The key an unreadable line is reported under."""
    return key if key is not None else f"line-{number}"


def run(args: argparse.Namespace) -> int:
    from llmsdk import RateLimiter
    from llmsdk.errors import LLMError

    try:
        if not os.path.isfile(args.input):
            raise CommandError(f"no such input file: {args.input}", EXIT_USAGE)
        if os.path.abspath(args.input) == os.path.abspath(args.output):
            raise CommandError("the output file must not be the input file", EXIT_USAGE)
        if args.concurrency < 1:
            raise CommandError("--concurrency must be at least 1", EXIT_USAGE)
        provider_key, model = resolve_provider_and_model(args)
        try:
            limiter = RateLimiter(requests_per_minute=args.rpm, tokens_per_minute=args.tpm,
                                  input_tokens_per_minute=args.input_tpm, output_tokens_per_minute=args.output_tpm)
        except LLMError as exc:
            raise CommandError(str(exc), EXIT_USAGE) from exc
        client = make_client(args, provider_key)
    except CommandError as exc:
        fail(str(exc))
        return exc.status
    items = read_input(args.input, model, system=args.system, max_tokens=args.max_tokens)
    with client:
        if args.provider_batch:
            fingerprint = input_fingerprint(args.input, provider_key, model, args.system, args.max_tokens)
            return _run_provider_batch(client, keyed_by_content(items), args, fingerprint,
                                       _command_line(args, provider_key, model))
        return _run_map(client, items, limiter, args)


def input_fingerprint(path: str, provider: str, model: str, system: Optional[str], max_tokens: Optional[int]) -> str:
    """sha256 of the input file and the options that shape its requests: a rerun with the
    same fingerprint is the same batch."""
    digest = hashlib.sha256(json.dumps([provider, model, system, max_tokens]).encode("utf-8"))
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_provider_batch(client: Any, pairs: Iterator[Tuple[Key, Any]], args: argparse.Namespace,
                        fingerprint: str, rerun: str) -> int:
    """One provider batch job for the rows not yet answered; the same result lines."""
    from llmsdk._many.checkpoint import answered_keys
    from llmsdk.cli.batches import run_provider_batch
    from llmsdk.errors import LLMError

    started = time.monotonic()
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        summary = run_provider_batch(client, pairs, args.output, progress=progress,
                                     poll_interval=args.poll_interval, skip=answered_keys(args.output),
                                     fingerprint=fingerprint, new_job=args.new_job,
                                     rerun=rerun)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except CommandError as exc:
        fail(str(exc))
        return exc.status
    except LLMError as exc:  # an unsupported provider, a request over the limits
        fail(str(exc))
        return EXIT_USAGE
    job = f"batch {summary.job_id} {summary.status}" if summary.job_id else "nothing to send"
    sys.stderr.write(f"llmsdk batch: {job} · {summary.succeeded} done, {summary.failed} failed · "
                     f"${summary.cost:.6f} at the batch price · {time.monotonic() - started:.1f} s → {args.output}\n")
    return EXIT_OK if summary.failed == 0 else EXIT_ERROR


def _command_line(args: argparse.Namespace, provider: str, model: str) -> str:
    """The command that resumes this run."""
    parts = ["llmsdk", "batch", args.input, "-o", args.output, "-p", provider, "-m", model, "--provider-batch"]
    return " ".join(shlex.quote(part) for part in parts)


def _run_map(client: Any, pairs: Iterator[Any], limiter: Any, args: argparse.Namespace) -> int:
    """Send the pairs through ``client.imap`` with the output as checkpoint; summarise."""
    from llmsdk._many.progress import Tally
    from llmsdk.errors import LLMError

    started = time.monotonic()
    tally = Tally()
    failures: List[str] = []
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        for result in client.imap(pairs, concurrency=args.concurrency, limiter=limiter, progress=progress,
                                  checkpoint=args.output):
            tally.add(result.response, result.error, resumed=result.resumed)
            if result.error is not None and len(failures) < SHOWN_FAILURES:
                failures.append(f"{result.key}: {type(result.error).__name__}: {result.error}")
    except KeyboardInterrupt:
        sys.stderr.write(f"\nllmsdk batch: interrupted after {tally.summary()}; "
                         f"rerun the same command to resume ({args.output})\n")
        return EXIT_INTERRUPTED
    except LLMError as exc:  # e.g. the output file is not a checkpoint
        fail(str(exc))
        return EXIT_USAGE
    for line in failures:
        sys.stderr.write(f"  failed {line}\n")
    if tally.failed > len(failures):
        sys.stderr.write(f"  ... and {tally.failed - len(failures)} more (see {args.output})\n")
    sys.stderr.write(f"llmsdk batch: {tally.summary()} · {time.monotonic() - started:.1f} s → {args.output}\n")
    return EXIT_OK if tally.failed == 0 else EXIT_ERROR
