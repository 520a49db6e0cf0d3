"""Label a dataset with a model on Ray Data: ``llmsdk.ray.LLMPredictor`` in ``map_batches``.

    pip install 'llmsdk[ray,redis]'
    ANTHROPIC_API_KEY=sk-ant-... python examples/ray_batch.py                  # real API, local Ray
    python examples/ray_batch.py --address auto --redis redis://head:6379/0 --rpm 500
                                                        # a cluster sharing one quota through Redis
    python examples/ray_batch.py                        # offline: a local fake server answers

Each Ray worker builds its own client from its environment (set ANTHROPIC_API_KEY on every
node, or in the job's runtime_env), so keys never travel in pickles. Failed calls come back
as rows with ``error`` set; they do not fail the Ray task.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

try:
    import llmsdk  # noqa: F401
except ImportError:  # run from a source checkout without installing: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODEL = "claude-haiku-4-5"
SYSTEM = "Label the sentiment of the review: answer positive, negative or mixed, one word."
REVIEWS = [
    "The battery lasts all week and the screen is gorgeous.",
    "Stopped working after two days. Support never answered.",
    "Great camera, terrible software updates.",
    "Exactly as described, fast delivery.",
    "The strap broke on the first day.",
    "Comfortable, but the app drains my phone.",
]


def offline_server() -> Any:
    """A scripted Anthropic on 127.0.0.1 that labels by keyword (offline mode only)."""
    from llmsdk.testing import FakeProviderServer, RecordedRequest, ScriptedReply
    from llmsdk.testing import anthropic as scripted

    def label(recorded: RecordedRequest) -> ScriptedReply:
        content = recorded.json["messages"][-1]["content"]
        text = (content if isinstance(content, str) else content[0]["text"]).lower()
        bad = any(w in text for w in ("stopped", "broke", "terrible", "drains", "never"))
        good = any(w in text for w in ("great", "gorgeous", "fast", "comfortable", "exactly"))
        return scripted.text_reply("mixed" if bad and good else "negative" if bad else "positive")

    server = FakeProviderServer().start()
    server.route("/v1/messages", label)
    return server


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", help="a Ray cluster to join (default: start a local Ray)")
    parser.add_argument("--redis", help="share one quota between all workers through this Redis URL")
    parser.add_argument("--rpm", type=float, default=500, help="requests per minute for the whole job")
    args = parser.parse_args(argv)
    try:
        import ray
    except ImportError:
        print("this example needs Ray: pip install 'llmsdk[ray]'")
        return 0
    from llmsdk import RedisRateLimiter
    from llmsdk.ray import LLMPredictor

    server = None
    client_options: Dict[str, Any] = {}
    runtime_env: Dict[str, Any] = {}
    if not os.environ.get("ANTHROPIC_API_KEY"):
        print("(offline mode: no ANTHROPIC_API_KEY, a local fake server answers)")
        server = offline_server()
        client_options["api_base"] = server.url
        runtime_env["env_vars"] = {"ANTHROPIC_API_KEY": "offline-not-a-key"}
    limiter = RedisRateLimiter(args.redis, key="anthropic", requests_per_minute=args.rpm) if args.redis else None

    ray.init(address=args.address, num_cpus=None if args.address else 2, include_dashboard=False,
             log_to_driver=False, configure_logging=False, runtime_env=runtime_env or None)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        labelled = ray.data.from_items([{"id": i, "review": text} for i, text in enumerate(REVIEWS)]).map_batches(
            LLMPredictor,
            fn_constructor_kwargs=dict(provider="anthropic", model=MODEL, prompt_column="review", system=SYSTEM,
                                       max_tokens=5, concurrency=4, limiter=limiter, client_options=client_options),
            concurrency=1, batch_size=3,
        )
        rows = sorted(labelled.take_all(), key=lambda row: row["id"])
    finally:
        ray.shutdown()
        if server is not None:
            server.stop()

    for row in rows:
        answer = row["response_text"].strip() if row["error"] is None else f"ERROR {row['error']}"
        print(f"{answer:>10}  {row['review']}")
    failed = sum(row["error"] is not None for row in rows)
    tokens = sum(row["input_tokens"] + row["output_tokens"] for row in rows)
    cost = sum(row["cost"] for row in rows if row["cost"] == row["cost"])  # NaN: unpriced
    print(f"{len(rows)} rows, {failed} failed, {tokens} tokens, ${cost:.4f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
