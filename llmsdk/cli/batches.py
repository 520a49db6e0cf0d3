"""``llmsdk batches``: look after provider batch jobs from the command line.

    llmsdk batches list -p openai
    llmsdk batches status msgbatch_013Zva2CMHLNnXjNJJKqJ2EF [--wait]
    llmsdk batches results batch_abc123 -o results.jsonl
    llmsdk batches cancel batches/123456

The provider comes from ``-p``, else from the id (``msgbatch_`` is Anthropic,
``batches/`` Gemini, ``batch_`` OpenAI; pass ``-p groq`` for Groq), else
``LLMSDK_PROVIDER``. Results are JSON lines ``{"key", "response"}`` or ``{"key",
"error"}``. ``results -o FILE`` never destroys a line: into an existing results file it
appends only the keys FILE has no answer for (merging by key); a FILE holding anything
else is refused. ``run_provider_batch`` is what ``llmsdk batch --provider-batch`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, Collection, Dict, Iterable, List, Optional, Set, TextIO, Tuple

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
        except CommandError as exc:
            fail(str(exc))
            return exc.status
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
    if not output:
        succeeded, failed = write_results(job.results(), sys.stdout)
        sys.stderr.write(f"{succeeded} succeeded, {failed} failed; ${job.cost:.6f} at the batch price\n")
        return EXIT_OK
    answered = answered_in(output)
    with open(output, "a", encoding="utf-8") as out:
        succeeded, failed = write_results(((k, r) for k, r in job.results() if k not in answered), out)
    kept = f"; {len(answered)} already answered in {output} kept" if answered else ""
    sys.stderr.write(f"{succeeded} succeeded, {failed} failed appended to {output}{kept}; "
                     f"${job.cost:.6f} at the batch price\n")
    return EXIT_OK


def answered_in(path: str) -> Set[Any]:
    """The keys a results file already holds an answer for, its torn last line (a crash
    mid-write) cut so appends start clean. ``CommandError`` if ``path`` holds anything but
    result lines: writing there could destroy what it holds."""
    from llmsdk._many.checkpoint import CheckpointIndex, drop_torn_tail
    from llmsdk.errors import InvalidConfigError

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return set()
    try:
        index = CheckpointIndex(path)
    except InvalidConfigError as exc:
        raise CommandError(f"{exc}; refusing to write results into it (choose another -o file)", EXIT_USAGE) from exc
    if index.unreadable:
        raise CommandError(f"{path} holds {index.unreadable} line(s) that are not result lines; refusing to write "
                           "results into it (choose another -o file)", EXIT_USAGE)
    drop_torn_tail(path)
    return {key for key in index.keys() if index.answered(key)}


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


def state_path(output_path: str) -> str:
    """Where ``llmsdk batch --provider-batch`` records its job: next to the output."""
    return f"{output_path}.batch.json"


def read_state(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise CommandError(f"{path} is not a batch record ({exc}); move it away to start afresh", EXIT_USAGE) from exc
    return state if isinstance(state, dict) else None


def write_state(path: str, state: Dict[str, Any]) -> None:
    """Replace the record atomically and durably (a crash leaves the old one or the new)."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as fh:
        json.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def run_provider_batch(client: Any, pairs: Iterable[Tuple[Any, Any]], output_path: str, progress: bool = True,
                       poll_interval: float = 30.0, skip: Collection[Any] = (), *,
                       fingerprint: Optional[str] = None, new_job: bool = False,
                       rerun: Optional[str] = None) -> ProviderBatchSummary:
    """``llmsdk batch --provider-batch``: send ``pairs`` (``(key, LLMRequest)``; a pair
    whose request is an ``LLMError``, an unreadable input line, is written as that row's
    error) as one provider batch job at the batch price, wait for it (a progress bar when
    ``progress``) and append one result line per row to ``output_path`` as the result
    file streams in. Keys in ``skip`` (already answered in the output) are not sent
    again, nor written again. Integer keys travel as strings and come back as given.

    With a ``fingerprint`` (of the input and options), the job is recorded in
    ``state_path(output_path)`` before the first wait (its idempotency token before the
    create, its id after): a rerun with the same fingerprint resumes that job, waiting or
    fetching, and a create whose reply was lost in a crash is found by its token rather
    than sent twice. ``new_job`` submits another regardless. The record is removed once
    every result is written. Ctrl-C while waiting leaves the job running and says how to
    pick it up (``rerun``: the command that resumes)."""
    from llmsdk.batches._idempotent import new_token
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
    record = state_path(output_path) if fingerprint is not None else None
    state = read_state(record) if record is not None and not new_job else None
    if state is not None and state.get("fingerprint") != fingerprint:
        raise CommandError(
            f"{record} records batch {state.get('job_id') or '(being created)'} for another input or other options; "
            f"rerun with --new-job to submit a new one (or move {record} away)", EXIT_USAGE)
    with open(output_path, "a", encoding="utf-8") as out:
        _, failed = write_results(unreadable, out)
        if state is None and not requests:
            return ProviderBatchSummary(None, "completed", failed, 0, failed, 0.0, output_path)
        if state is not None and state.get("job_id"):
            job = client.batches.get(state["job_id"])
            if progress:
                sys.stderr.write(f"resuming batch {job.id} at {job.provider} (recorded in {record})\n")
        else:
            token = state.get("token") if state is not None else None
            if record is not None and token is None:
                token = new_token()
                write_state(record, {"fingerprint": fingerprint, "token": token, "job_id": None})
            job = client.batches.submit(requests, idempotency_key=token)
            if record is not None:
                write_state(record, {"fingerprint": fingerprint, "token": token, "job_id": job.id,
                                     "provider": job.provider})
            if progress:
                sys.stderr.write(f"submitted batch {job.id} ({len(requests)} requests) to {job.provider}\n")
        try:
            job.wait(poll_interval=poll_interval, progress=progress)
        except KeyboardInterrupt:
            again = f"  {rerun}\n" if rerun else ""
            sys.stderr.write(f"\nthe batch keeps running at {job.provider}; pick it up later (nothing is sent twice, "
                             f"no line of {output_path} is lost) with:\n{again}"
                             f"  llmsdk batches results {job.id} -p {job.provider} -o {output_path}\n")
            raise
        done = set(skip)
        results = ((original.get(key, key), result) for key, result in job.results()
                   if original.get(key, key) not in done)
        succeeded, errors = write_results(results, out)
    if record is not None and os.path.exists(record):
        os.remove(record)
    return ProviderBatchSummary(job.id, job.status.value, succeeded + errors + failed, succeeded, errors + failed,
                                job.cost, output_path)
