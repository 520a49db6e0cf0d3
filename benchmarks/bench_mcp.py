"""What llmsdk adds to an MCP ``tools/call`` round trip: ``srv.call_tool(...)`` against a
bare JSON-RPC exchange with the same server (target: at most 1 ms more per call).

    python benchmarks/bench_mcp.py [--calls 300] [--runs 7]

Servers: ``tests/mcp/tiny_server.py`` (hand-written, answers in microseconds: the overhead
stands out) and the official-SDK demo server ``tests/mcp/demo_server.py`` (FastMCP on mcp
1.x), over stdio; the demo server over streamable HTTP too. The bare exchange talks to the
same kind of server with no llmsdk in between: stdio, one ``write`` + ``readline`` on the
pipes (no thread); HTTP, one ``requests.Session.post`` with the same headers and body.
Runs alternate (bare, llmsdk, bare, ...) and the median per-call time of each is reported
with the spread (max-min over the runs) as the noise, and the client process's CPU time per
call (every thread, the reader's included), which a loaded machine disturbs much less.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmsdk.mcp import MCPServer  # noqa: E402

TINY = [sys.executable, str(ROOT / "tests" / "mcp" / "tiny_server.py")]
DEMO = [sys.executable, str(ROOT / "tests" / "mcp" / "demo_server.py")]


class BareStdio:
    """JSON-RPC over a child's pipes, by hand: the floor."""

    def __init__(self, command: List[str]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bare", "version": "0"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: Dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def call(self, method: str, params: Dict[str, Any]) -> Dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.proc.stdout is not None
        while True:
            answer = json.loads(self.proc.stdout.readline())
            if answer.get("id") == self.next_id:
                return answer["result"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class BareHttp:
    """One POST per call with ``requests``, the session header kept: the floor over HTTP."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()
        self.headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        self.next_id = 0
        response = self._post("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                             "clientInfo": {"name": "bare", "version": "0"}})
        self.headers["Mcp-Session-Id"] = response.headers["mcp-session-id"]
        self.headers["MCP-Protocol-Version"] = "2025-06-18"
        self.session.post(url, data=json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                          headers=self.headers).close()

    def _post(self, method: str, params: Dict[str, Any]) -> Any:
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).encode()
        return self.session.post(self.url, data=body, headers=self.headers, stream=True)

    def call(self, method: str, params: Dict[str, Any]) -> Dict[str, Any]:
        """The first ``data:`` line of the event stream (or the JSON body), then hang up."""
        with self._post(method, params) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                return json.loads(response.content)["result"]
            for line in response.iter_lines():
                if line.startswith(b"data:"):
                    return json.loads(line[5:])["result"]
        raise RuntimeError("no answer")

    def close(self) -> None:
        self.session.close()


def per_call(fn: Callable[[], Any], calls: int) -> Tuple[float, float]:
    """Wall time and this process's CPU time (every thread: the reader's too) per call."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls, (time.process_time() - cpu) / calls


Row = Tuple[str, float, float, float, float, float, float]


def compare(label: str, bare_call: Callable[[], Any], ours_call: Callable[[], Any], calls: int, runs: int) -> Row:
    for fn in (bare_call, ours_call):  # warm up
        per_call(fn, 20)
    bare: List[Tuple[float, float]] = []
    ours: List[Tuple[float, float]] = []
    for _ in range(runs):
        bare.append(per_call(bare_call, calls))
        ours.append(per_call(ours_call, calls))
    walls = [w for w, _ in bare], [w for w, _ in ours]
    spread = max(max(w) - min(w) for w in walls)
    return (label, statistics.median(walls[0]), statistics.median(walls[1]),
            statistics.median(o - b for o, b in zip(walls[1], walls[0])), spread,
            statistics.median(c for _, c in bare), statistics.median(c for _, c in ours))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for label, command, tool, arguments in (("stdio, hand-written server", TINY, "shout", {"text": "hi"}),
                                            ("stdio, mcp 1.x FastMCP", DEMO, "echo", {"text": "hi"})):
        bare = BareStdio(command)
        params = {"name": tool, "arguments": arguments}
        with MCPServer.stdio(command) as srv:
            rows.append(compare(label, functools.partial(bare.call, "tools/call", params),
                                functools.partial(srv.call_tool, tool, arguments), args.calls, args.runs))
        bare.close()
    demo = subprocess.Popen(DEMO + ["http"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert demo.stdout is not None
        url = f"http://127.0.0.1:{demo.stdout.readline().strip()}/mcp"
        bare_http = BareHttp(url)
        with MCPServer.http(url) as srv:
            rows.append(compare("streamable HTTP, mcp 1.x FastMCP",
                                lambda: bare_http.call("tools/call", {"name": "echo", "arguments": {"text": "hi"}}),
                                lambda: srv.call_tool("echo", {"text": "hi"}), args.calls // 3, args.runs))
        bare_http.close()
    finally:
        demo.terminate()
        demo.wait(timeout=10)
    print(f"tools/call round trip, median per call over {args.runs} alternated runs\n")
    print("| server | bare JSON-RPC | llmsdk call_tool | added (wall) | noise (spread) | client CPU bare | "
          "client CPU llmsdk |")
    print("|---|---|---|---|---|---|---|")
    for label, bare_s, ours_s, added, spread, bare_cpu, ours_cpu in rows:
        print(f"| {label} | {bare_s * 1e3:.3f} ms | {ours_s * 1e3:.3f} ms | {added * 1e3:+.3f} ms | "
              f"{spread * 1e3:.3f} ms | {bare_cpu * 1e3:.3f} ms | {ours_cpu * 1e3:.3f} ms |")


if __name__ == "__main__":
    main()
