"""llmsdk.notebook.display_stream, in-process with a recording display, and in a real
kernel: examples/quickstart.ipynb executed by nbclient, and a kernel interrupt mid-stream."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from llmsdk import LLMResponse
from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply, Stall
from llmsdk.testing import anthropic as A

from .conftest import TEST_KEY, simple_request, stream_threads, wait_until

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


class Recorder:
    """Stands in for IPython.display: records the first display and every update."""

    def __init__(self) -> None:
        self.shown: List[str] = []
        self.updates: List[str] = []

    def display(self, obj: Any, display_id: bool = False) -> "Recorder":
        self.shown.append(obj.data)
        return self

    def update(self, obj: Any) -> None:
        self.updates.append(obj.data)


class FakeMarkdown:
    def __init__(self, data: str) -> None:
        self.data = data


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    from llmsdk import notebook

    rec = Recorder()
    monkeypatch.setattr(notebook, "_ipython_display", lambda: (rec.display, FakeMarkdown))
    return rec


def test_renders_in_place_and_returns_the_response(recorder: Recorder, server: FakeProviderServer,
                                                   anthropic_client: Any) -> None:
    from llmsdk.notebook import display_stream

    server.add_reply(A.text_reply("# Title\n\nSome *markdown* text.", chunk=3))
    response = display_stream(anthropic_client().send(simple_request()), interval=0)

    assert isinstance(response, LLMResponse) and response.text == "# Title\n\nSome *markdown* text."
    assert len(recorder.shown) == 1  # one output, updated in place
    assert recorder.updates[-1] == response.text
    assert len(recorder.updates) > 3
    assert all(b.startswith(a) for a, b in zip(recorder.updates, recorder.updates[1:]))  # growing text
    assert response._repr_markdown_() == response.text


def test_updates_are_throttled(recorder: Recorder, server: FakeProviderServer, anthropic_client: Any) -> None:
    from llmsdk.notebook import display_stream

    server.add_reply(A.text_reply("x" * 400, chunk=2))  # 200 deltas
    response = display_stream(anthropic_client().send(simple_request()), interval=60)

    assert response.text == "x" * 400
    assert recorder.updates == ["x" * 400]  # only the final render


def test_thinking_is_shown_as_a_quote(recorder: Recorder, server: FakeProviderServer, anthropic_client: Any) -> None:
    from llmsdk.notebook import display_stream

    server.add_reply(A.thinking_reply("Let me think.", "Answer."))
    display_stream(anthropic_client().send(simple_request()), interval=0, show_thinking=True)
    assert recorder.updates[-1] == "> Let me think.\n\nAnswer."


def test_errors_close_the_stream_and_propagate(recorder: Recorder, server: FakeProviderServer,
                                               anthropic_client: Any) -> None:
    from llmsdk.errors import OverloadedError
    from llmsdk.notebook import display_stream

    server.add_reply(A.stream_error_reply("overloaded_error", "Overloaded", text_before="Partial"))
    stream = anthropic_client(max_retries=0).send(simple_request())
    with pytest.raises(OverloadedError):
        display_stream(stream, interval=0)
    assert stream.closed and recorder.updates[-1] == "Partial"


def stalled_reply(first: str = "Thinking about it") -> ScriptedReply:
    return ScriptedReply.sse([A.message_start(),
                              A.event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
                              A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": first}),
                              Pause(0.01), Stall(30)])


# -- a real kernel ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    """A started ipykernel (skips only if one truly cannot start here)."""
    jupyter_client = pytest.importorskip("jupyter_client")
    pytest.importorskip("ipykernel")
    try:
        km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3", startup_timeout=60)
    except Exception as exc:  # noqa: BLE001 - no usable kernel on this machine
        pytest.skip(f"ipykernel cannot start: {exc}")
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_cell(kc: Any, code: str, timeout: float = 30) -> Dict[str, Any]:
    """Execute and return the reply; re-sent (a bounded number of times) while the kernel
    is still aborting requests queued behind an error."""
    deadline = time.monotonic() + timeout
    for _ in range(20):
        msg_id = kc.execute(code)
        while time.monotonic() < deadline:
            reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        else:
            raise TimeoutError(code)
        if reply["content"]["status"] != "aborted":
            return reply["content"]  # type: ignore[no-any-return]
    return reply["content"]  # type: ignore[no-any-return]


def wait_for_output(kc: Any, predicate: Any, timeout: float = 30) -> Optional[Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except Exception:  # noqa: BLE001 - queue.Empty: keep polling until the deadline
            continue
        if predicate(msg):
            return msg  # type: ignore[no-any-return]
    return None


def test_interrupting_the_kernel_cancels_the_stream(kernel: Any, server: FakeProviderServer) -> None:
    km, kc = kernel
    server.add_reply(stalled_reply())
    setup = (
        "import threading\n"
        "from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest\n"
        "from llmsdk.notebook import display_stream\n"
        f"client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic({TEST_KEY!r}, api_base={server.url!r}))\n"
        "def workers():\n"
        "    return [t.name for t in threading.enumerate() if t.name.startswith('llmsdk-stream-')]\n"
    )
    assert run_cell(kc, setup)["status"] == "ok"

    msg_id = kc.execute("display_stream(client.send(LLMRequest(model='claude-haiku-4-5', "
                        "messages=[LLMMessage.user('hi')])), interval=0)")
    shown = wait_for_output(kc, lambda m: m["msg_type"] in ("display_data", "update_display_data")
                            and "Thinking about it" in str(m["content"].get("data", {})))
    assert shown is not None, "the partial reply was never displayed"
    km.interrupt_kernel()
    reply = None
    deadline = time.monotonic() + 30
    while reply is None and time.monotonic() < deadline:
        msg = kc.get_shell_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id:
            reply = msg["content"]
    assert reply is not None and reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"

    check = ("import time\n"
             "deadline = time.monotonic() + 10\n"
             "while workers() and time.monotonic() < deadline:\n"
             "    time.sleep(0.01)\n"
             "assert not workers(), workers()\n")
    assert run_cell(kc, check)["status"] == "ok"


def _run_quickstart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> List[Any]:
    """Execute examples/quickstart.ipynb in a real kernel without an API key; its code
    cells' outputs, none of them an error."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    repo = str(NOTEBOOK.parents[1])  # importable even when llmsdk is not installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p))
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def test_quickstart_notebook_executes(kernel: Any, server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    server.add_reply(
        A.text_reply("**Hello** from the notebook!"),
        A.text_reply("- one\n- two\n- three", chunk=3),
        A.tool_use_reply("get_weather", {"city": "Paris"}),
        A.text_reply("It is 18°C and sunny in Paris."),
    )
    monkeypatch.setenv("LLMSDK_EXAMPLE_API_BASE", server.url)
    outputs = _run_quickstart(monkeypatch, tmp_path)
    markdown = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert "**Hello** from the notebook!" in markdown  # LLMResponse._repr_markdown_
    assert "- one\n- two\n- three" in markdown  # display_stream's final render
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "It is 18°C and sunny in Paris." in text and "end_turn" in text
    assert "['user', 'assistant', 'user', 'assistant']" in text  # the run_tools transcript
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("llmsdk-run-report" in h for h in html)  # the RunReport cell renders as a table
    assert len(server.requests) == 4
    assert all(r.headers["x-api-key"] == "sk-ant-fake-notebook" for r in server.requests)
    assert wait_until(lambda: not stream_threads())


def test_display_and_markdown_are_ipythons() -> None:
    ipython_display = pytest.importorskip("IPython.display")
    from llmsdk import notebook

    display, markdown = notebook._ipython_display()
    assert display is ipython_display.display and markdown is ipython_display.Markdown


def test_quickstart_notebook_runs_offline_by_default(kernel: Any, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """No key and no fake server given: the notebook starts its own echo server."""
    monkeypatch.delenv("LLMSDK_EXAMPLE_API_BASE", raising=False)
    outputs = _run_quickstart(monkeypatch, tmp_path)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "echo: What's the weather in Paris?" in text
