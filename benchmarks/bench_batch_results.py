"""Reading a large provider batch result file: rows per second and peak memory.

A 100,000-row Anthropic results file (realistic ``succeeded`` lines, ~0.6 KB each) is
served from a loopback ``FakeProviderServer`` in 64 KiB chunks; ``BatchJob.results()``
streams it line by line, parsing each message through the stream processor (the
batch-price accounting included). Peak memory is traced (``tracemalloc``) while the
results are read and dropped one by one, against the file's own size.

    python benchmarks/bench_batch_results.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

from llmsdk import HttpClientOptions, LLMClient, LLMResponse
from llmsdk.batches._anthropic import AnthropicBatches
from llmsdk.batches._backend import Transport
from llmsdk.batches.job import BatchJob
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing.whole_replies import anthropic_message_body


def results_file(rows: int) -> bytes:
    lines = []
    for i in range(rows):
        message = anthropic_message_body(f"Answer number {i}: " + "lorem ipsum dolor sit amet " * 12,
                                         usage=(120, 60), message_id=f"msg_{i:08d}")
        lines.append(json.dumps({"custom_id": f"row-{i}", "result": {"type": "succeeded", "message": message}}))
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data = results_file(args.rows)
    pieces = [data[i:i + 65536] for i in range(0, len(data), 65536)]
    with FakeProviderServer() as server:
        server.route("/results", ScriptedReply(body=pieces, content_type="application/binary"))
        client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("test", api_base=server.url))
        backend = AnthropicBatches(Transport(client._engine, client._adapter, client._endpoint))
        raw = {"id": "msgbatch_bench", "processing_status": "ended", "results_url": f"{server.url}/results",
               "request_counts": {"processing": 0, "succeeded": args.rows, "errored": 0, "canceled": 0,
                                  "expired": 0}}
        job = BatchJob(backend, raw, record=client._record)
        started, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _, result in job.results() if isinstance(result, LLMResponse))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        tracemalloc.start()  # second pass (re-downloaded, billed once): memory only, tracing is slow
        for _ in job.results():
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"rows: {count:,} in {elapsed:.2f} s wall, {cpu:.2f} s CPU (server thread included) "
          f"= {count / elapsed:,.0f} rows/s")
    print(f"results file: {len(data) / 1e6:.1f} MB; peak traced memory while reading: {peak / 1e6:.1f} MB")
    print(f"cost at the batch price: ${job.cost:.4f} (client total ${client.get_cost():.4f})")


if __name__ == "__main__":
    main()
