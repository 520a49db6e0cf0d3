"""``llmsdk batches``: look after provider batch jobs from the command line.

    llmsdk batches list -p openai
    llmsdk batches status msgbatch_013Zva2CMHLNnXjNJJKqJ2EF [--wait]
    llmsdk batches results batch_abc123 -o results.jsonl
    llmsdk batches cancel batches/123456

The provider comes from ``-p``, else from the id (``msgbatch_`` is Anthropic,
``batches/`` Gemini, ``batch_`` OpenAI; pass ``-p groq`` for Groq), else
``LLMSDK_PROVIDER``. Results are JSON lines ``{"key", "response"}`` or ``{"key",
"error"}``. ``run_provider_batch`` is what ``llmsdk batch --provider-batch`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, Collection, Dict, Iterable, List, Optional, TextIO, Tuple

from llmsdk.cli.chat import (
    DEFAULT_PROVIDER, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandError, fail, make_client,
)

#: Job-id prefixes that name their provider.
_ID_PREFIXES = (("msgbatch_", "anthropic"), ("batches/", "gemini"), ("batch_", "openai"))


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "batches", help="list, inspect, fetch or cancel provider batch jobs",
        description="Provider batch jobs (OpenAI, Groq, Anthropic, Gemini): list, status, results, cancel.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    def action(name: str, help_text: str, with_id: bool = True) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--provider", "-p", help="provider config key (default: from the id, else LLMSDK_PROVIDER)")
        sub.add_argument("--api-base", help="service root URL (default: the provider's, or <PREFIX>_BASE_URL)")
        if with_id:
            sub.add_argument("job_id", metavar="ID", help="the batch job id")
        sub.set_defaults(run=run, action=name)
        return sub

    listing = action("list", "the most recent jobs", with_id=False)
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--json", action="store_true", help="one JSON object per job")
    status = action("status", "a job's status and counts")
    status.add_argument("--wait", action="store_true", help="poll until the job ends (progress on stderr)")
    status.add_argument("--poll-interval", type=float, default=30.0, help="seconds between polls (default 30)")
    status.add_argument("--json", action="store_true", help="print the job as JSON")
    results = action("results", "a finished job's results as JSON lines")
    results.add_argument("--output", "-o", help="write to this file instead of standard output")
    results.add_argument("--wait", action="store_true", help="wait for the job to end first")
    results.add_argument("--poll-interval", type=float, default=30.0, help="seconds between polls (default 30)")
    action("cancel", "ask the provider to stop a job")
    parser.set_defaults(run=_help(parser))


def _help(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return show


def provider_for(job_id: Optional[str], explicit: Optional[str]) -> str:
    """``-p``, else the provider the id's prefix names, else ``LLMSDK_PROVIDER``."""
    if explicit:
        return explicit
    for prefix, provider in _ID_PREFIXES:
        if job_id and job_id.startswith(prefix):
            return provider
    return os.environ.get("LLMSDK_PROVIDER") or DEFAULT_PROVIDER


def run(args: argparse.Namespace) -> int:
    from llmsdk.errors import LLMError
    from llmsdk.providers import get_provider

    job_id = getattr(args, "job_id", None)
    try:
        provider_key = get_provider(provider_for(job_id, args.provider)).config_key()
        client = make_client(args, provider_key)
    except CommandError as exc:
        fail(str(exc))
        return exc.status
    except LLMError as exc:
        fail(str(exc))
        return EXIT_USAGE
    with client:
        try:
            if args.action == "list":
                return _list(client, args)
            job = client.batches.get(job_id)
            if args.action == "cancel":
                job.cancel()
                _print_job(job, sys.stdout)
                return EXIT_OK
            if getattr(args, "wait", False):
                job.wait(poll_interval=args.poll_interval, progress=True)
            if args.action == "status":
                _print_job(job, sys.stdout, as_json=args.json)
                return EXIT_OK
            return _results(job, args.output)
        except KeyboardInterrupt:
            fail(f"interrupted; the job keeps running (llmsdk batches status {job_id})")
            return EXIT_INTERRUPTED
        except LLMError as exc:
            fail(f"{type(exc).__name__}: {exc}")
            return EXIT_ERROR


def _list(client: Any, args: argparse.Namespace) -> int:
    for job in client.batches.list(limit=args.limit):
        _print_job(job, sys.stdout, as_json=args.json)
    return EXIT_OK


def job_summary(job: Any) -> Dict[str, Any]:
    counts = job.counts
    return {"id": job.id, "provider": job.provider, "status": job.status.value, "total": counts.total,
            "succeeded": counts.succeeded, "failed": counts.failed, "pending": counts.pending}


def _print_job(job: Any, out: TextIO, as_json: bool = False) -> None:
    if as_json:
        out.write(json.dumps(job_summary(job)) + "\n")
        return
    c = job.counts
    out.write(f"{job.id}\t{job.status.value}\t{c.succeeded} succeeded, {c.failed} failed, "
              f"{c.pending} pending of {c.total}\n")


def write_results(results: Iterable[Tuple[str, Any]], out: TextIO) -> Tuple[int, int]:
    """Write result lines (``client.map``'s checkpoint lines) as they arrive; (succeeded, failed)."""
    from llmsdk._many.checkpoint import result_line
    from llmsdk.types import LLMResponse

    succeeded = failed = 0
    for key, result in results:
        if isinstance(result, LLMResponse):
            out.write(result_line(key, response=result))
            succeeded += 1
        else:
            out.write(result_line(key, error=result))
            failed += 1
    out.flush()
    return succeeded, failed


def _results(job: Any, output: Optional[str]) -> int:
    if output:
        with open(output, "w", encoding="utf-8") as out:
            succeeded, failed = write_results(job.results(), out)
    else:
        succeeded, failed = write_results(job.results(), sys.stdout)
    sys.stderr.write(f"{succeeded} succeeded, {failed} failed; ${job.cost:.6f} at the batch price\n")
    return EXIT_OK


@dataclass(frozen=True)
class ProviderBatchSummary:
    """What ``run_provider_batch`` did (``job_id`` is None when nothing needed sending)."""

    job_id: Optional[str]
    status: str
    total: int
    succeeded: int
    failed: int
    cost: float
    output: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def run_provider_batch(client: Any, pairs: Iterable[Tuple[Any, Any]], output_path: str, progress: bool = True,
                       poll_interval: float = 30.0, skip: Collection[Any] = ()) -> ProviderBatchSummary:
    """``llmsdk batch --provider-batch``: send ``pairs`` (``(key, LLMRequest)``; a pair
    whose request is an ``LLMError``, an unreadable input line, is written as that row's
    error) as one provider batch job at the batch price, wait for it (a progress bar when
    ``progress``) and append one result line per row to ``output_path`` as the result
    file streams in. Keys in ``skip`` (already answered in the output) are not sent
    again. Integer keys travel as strings and come back as given. Ctrl-C while waiting
    leaves the job running and says how to fetch its results later."""
    from llmsdk.errors import LLMError

    requests: List[Tuple[str, Any]] = []
    unreadable: List[Tuple[Any, Any]] = []
    original: Dict[str, Any] = {}
    for key, request in pairs:
        if key in skip:
            continue
        if isinstance(request, LLMError):
            unreadable.append((key, request))
        else:
            requests.append((str(key), request))
            original[str(key)] = key
    with open(output_path, "a", encoding="utf-8") as out:
        _, failed = write_results(unreadable, out)
        if not requests:
            return ProviderBatchSummary(None, "completed", failed, 0, failed, 0.0, output_path)
        job = client.batches.submit(requests)
        if progress:
            sys.stderr.write(f"submitted batch {job.id} ({len(requests)} requests) to {job.provider}\n")
        try:
            job.wait(poll_interval=poll_interval, progress=progress)
        except KeyboardInterrupt:
            sys.stderr.write(f"\nthe batch keeps running at {job.provider}; fetch its results later with:\n"
                             f"  llmsdk batches results {job.id} -p {job.provider} -o {output_path}\n")
            raise
        results = ((original.get(key, key), result) for key, result in job.results())
        succeeded, errors = write_results(results, out)
    return ProviderBatchSummary(job.id, job.status.value, succeeded + errors + failed, succeeded, errors + failed,
                                job.cost, output_path)
