"""The engine's pure parts alone: SSE feeding and its end-of-body rule, the incremental
accumulator, and the socket access (real sockets, and the fallback)."""

from __future__ import annotations

import threading
from typing import Any, List

import pytest
import requests

from llmsdk._core.accumulate import _JOIN_EVERY, Accumulator, accumulate
from llmsdk._engine.body_socket import BodySocket
from llmsdk._engine.sse import feed, pour
from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import Content, PartialContent, Stop
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.base import StreamProcessor, parse_json_event
from llmsdk.testing import ScriptedReply, Stall
from llmsdk.testing import anthropic as A
from llmsdk.types import StopReason, TextContent, ThinkingContent, Usage

from .conftest import gated_sse, wait_until

# -- _sse ------------------------------------------------------------------------------------


def body(reply: ScriptedReply) -> bytes:
    return reply.body_bytes()


def test_feed_gives_the_events_and_finish():
    events = feed(AnthropicStreamProcessor(), [body(A.text_reply("Hi there", chunk=3))])
    assert [type(e) for e in events] == [PartialContent, PartialContent, PartialContent, Content, Stop]
    assert events[-1] == Stop(StopReason.END_TURN, Usage(25, 15))


def test_a_body_that_ends_before_the_terminator_is_incomplete():
    raw = body(A.text_reply("Hi"))
    cut = raw.index(b"event: message_delta")
    with pytest.raises(IncompleteStreamError):
        feed(AnthropicStreamProcessor(), [raw[:cut]])


def test_a_last_event_cut_in_half_is_incomplete_not_malformed():
    raw = body(A.text_reply("Hi"))
    cut = raw.index(b"event: message_stop") + 30
    with pytest.raises(IncompleteStreamError, match="mid-event"):
        feed(AnthropicStreamProcessor(), [raw[:cut]])


def test_a_garbled_event_mid_body_is_malformed():
    raw = body(A.text_reply("Hi"))
    garbled = b"event: content_block_delta\ndata: {not json\n\n"
    with pytest.raises(MalformedEventError) as info:
        feed(AnthropicStreamProcessor(), [A.message_start(), garbled, raw])
    assert not isinstance(info.value, IncompleteStreamError)


def test_a_reader_that_stops_abandons_the_body_without_finishing():
    class Stop(Exception):
        pass

    def pieces():
        raw = body(A.text_reply("abcdef", chunk=1))
        yield raw[:raw.index(b"event: message_delta")]
        raise Stop  # the reader gives up (a closed stream) before the terminator

    seen: List[Any] = []
    with pytest.raises(Stop):  # not IncompleteStreamError: finish() never ran
        pour(AnthropicStreamProcessor(), pieces(), seen.extend)
    assert seen[0] == PartialContent(0, TextContent("a"))


# -- _accumulate -------------------------------------------------------------------------------


def test_accumulator_memory_follows_the_text_not_the_deltas():
    acc = Accumulator()
    for _ in range(20_000):
        acc.add([PartialContent(0, TextContent("x"))])
    block = acc._blocks[0]
    assert len(block.parts) < _JOIN_EVERY
    assert acc.response().text == "x" * 20_000


def test_a_finished_block_replaces_its_deltas():
    acc = Accumulator()
    acc.add([PartialContent(0, ThinkingContent("thin")), PartialContent(0, ThinkingContent("king", signature="s")),
             PartialContent(1, TextContent("draft"))])
    assert acc.response().content == [ThinkingContent("thinking", signature="s"), TextContent("draft")]
    acc.add([Content(1, TextContent("final")), Stop(StopReason.END_TURN, Usage(1, 2))])
    assert acc._blocks[1].parts == []
    resp = acc.response(usage=Usage(9, 9))
    assert resp.text == "final" and resp.usage == Usage(1, 2) and acc.stopped


def test_accumulate_is_the_same_fold():
    events = feed(AnthropicStreamProcessor(), [body(A.thinking_reply("hmm", "answer"))])
    resp = accumulate(events, response_id="id1")
    assert resp.id == "id1" and resp.text == "answer" and resp.thinking == "hmm"


# -- _body_socket ----------------------------------------------------------------------------------


@pytest.fixture
def open_response(server):
    """A real streamed response from the fake server, and a way to script it."""
    session = requests.Session()
    responses: List[Any] = []

    def start(reply: ScriptedReply, read_timeout: float = 10) -> Any:
        server.add_reply(reply)
        response = session.post(server.url + "/v1/messages", data=b"{}", stream=True, timeout=(5, read_timeout))
        responses.append(response)
        return response

    yield start
    for response in responses:
        response.close()
    session.close()


def test_ready_says_whether_bytes_are_waiting(open_response, gate):
    response = open_response(gated_sse([A.message_start(), gate, A.ping(), Stall(5)]))
    sock = BodySocket.of(response)
    assert not sock.is_fallback
    pieces = response.iter_content(chunk_size=None)
    assert next(pieces).startswith(b"event: message_start")
    assert not sock.ready()  # the server holds the ping until the gate opens
    gate.set()
    assert wait_until(sock.ready, timeout=10)
    assert next(pieces).startswith(b"event: ping")


def test_watch_refills_runs_before_socket_reads_and_undoes(open_response, gate):
    # the gate holds the rest of the body until the hook is in: reading it needs a refill
    response = open_response(gated_sse([A.message_start(), gate, *A.text_reply("hello").body]))
    sock = BodySocket.of(response)
    reader = response.raw._fp.fp.raw  # http.client's SocketIO
    calls: List[int] = []
    undo = sock.watch_refills(lambda: calls.append(1))
    assert "readinto" in vars(reader)  # the hook is on this socket reader
    gate.set()
    data = b"".join(response.iter_content(chunk_size=None))
    assert b"message_stop" in data and calls
    undo()
    assert "readinto" not in vars(reader)


def test_shutdown_wakes_a_blocked_reader(open_response):
    response = open_response(ScriptedReply.sse([A.message_start(), Stall(30)]), read_timeout=60)
    sock = BodySocket.of(response)
    pieces = response.iter_content(chunk_size=None)
    next(pieces)
    reading = threading.Event()
    sock.watch_refills(reading.set)  # set right before the reader goes to the socket
    outcome: List[Any] = []

    def read_on() -> None:
        try:
            outcome.append(next(pieces, b""))
        except Exception as exc:  # noqa: BLE001 - any wake-up will do
            outcome.append(exc)

    reader = threading.Thread(target=read_on)
    reader.start()
    assert reading.wait(10)
    sock.shutdown()
    reader.join(timeout=10)  # the server stalls for 30 s, the read timeout is 60 s: only shutdown ends it
    assert not reader.is_alive() and len(outcome) == 1


class _Opaque:
    """A response whose internals are unknown (another HTTP stack, a test double)."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_the_fallback_is_safe():
    response = _Opaque()
    sock = BodySocket.of(response)
    assert sock.is_fallback
    assert sock.ready() is False  # "cannot tell" never holds a batch back
    assert sock.watch_refills(lambda: None) is None  # the caller checks before each piece instead
    sock.shutdown()
    assert response.closed


def _both_ways(make_processor: Any, raw: bytes, cut: int) -> Any:
    """The partial response after the first ``cut`` bytes: folding every delta, and
    folding only finished blocks while the processor reports its open ones."""
    folded, kept = Accumulator(), Accumulator(skip_deltas=True)
    processor = make_processor()

    def both(group: Any) -> None:
        folded.add(group)
        kept.add(group)

    try:
        pour(processor, [raw[:cut]], both)
    except IncompleteStreamError:  # a cut body ends so; what came before counts
        pass
    return folded.response(), kept.response(open_blocks=processor.open_blocks())


@pytest.mark.parametrize("name", ["anthropic", "groq"])
def test_open_blocks_give_the_same_partial_response_as_folding_every_delta(name):
    from llmsdk.providers.groq.stream import GroqStreamProcessor
    from llmsdk.testing import openai as O

    if name == "anthropic":
        raw = body(A.thinking_reply("Let me think it through.", "The answer is 42, as cited."))
        make = AnthropicStreamProcessor
    else:
        raw = body(O.reasoning_reply("Pondering the question.", "Forty-two.", dialect="groq"))
        make = GroqStreamProcessor
    for cut in range(1, len(raw), 7):
        folded, kept = _both_ways(make, raw, cut)
        assert kept.content == folded.content, f"cut at byte {cut}"


def test_text_deltas_share_one_read_only_empty_citations_list():
    import copy

    from llmsdk._core.content import text_delta

    first, second = text_delta("a"), text_delta("b")
    assert first.citations == [] and first.citations is second.citations  # no list per event
    with pytest.raises(TypeError, match="read-only"):
        first.citations.append("x")  # type: ignore[arg-type]
    assert first == TextContent("a") and TextContent.from_json(first.to_json()) == TextContent("a")
    copied = copy.deepcopy(first)
    assert copied == first and copied.citations == []
    assert TextContent("own").citations is not first.citations  # blocks built by users keep their own list


# -- framings other than SSE -------------------------------------------------------------------


class _JsonLines(StreamProcessor):
    """A toy NDJSON processor: each line's ``text`` is a delta; ``{"done": true}`` ends it."""

    framing = "ndjson"

    def process(self, event: str, data: str) -> Any:
        doc = parse_json_event(data)
        if doc.get("done"):
            self.done = True
            return [Stop(StopReason.END_TURN, Usage())]
        return [PartialContent(0, TextContent(doc["text"]))]


_NDJSON = b'{"text": "Hel"}\n{"text": "lo"}\n\n{"done": true}\n'


def test_ndjson_framing_gives_the_same_events_at_every_split() -> None:
    whole = feed(_JsonLines(), [_NDJSON])
    assert [e.content.text for e in whole if isinstance(e, PartialContent)] == ["Hel", "lo"]
    for cut in range(1, len(_NDJSON)):
        assert feed(_JsonLines(), [_NDJSON[:cut], _NDJSON[cut:]]) == whole


def test_ndjson_body_cut_mid_line_is_incomplete() -> None:
    with pytest.raises(IncompleteStreamError):
        feed(_JsonLines(), [_NDJSON[:20]])
