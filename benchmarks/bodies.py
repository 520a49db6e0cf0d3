"""Pre-built reply bodies in each provider's wire format, shaped like recorded streams.

Every builder returns the SSE *payload* as a list of frames (one ``bytes`` per SSE event);
``sse_server`` adds the HTTP framing. Text deltas are short word pieces, as real models
stream them, so per-event costs dominate the way they do in production.

Why not ``llmsdk.testing``'s builders (``anthropic.text_reply``...): these bodies are
pinned byte for byte, so a figure measured today compares with one measured before a
change; the test builders are free to change shape for a test's sake (and cut text by
character count, not into word pieces), which would move the benchmark's numbers without
any change to llmsdk. They also carry the recorded streams' extra fields
(``service_tier``, ``system_fingerprint``, usage details) whose bytes the per-event cost
includes, and non-streaming JSON replies, which the builders do not make.
"""

from __future__ import annotations

import json
from typing import List

WORDS = (" the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", ",",
         " and", " then", " it", " naps", ".", " Streaming", " is", " fun", " é", " 🙂")

ANTHROPIC_MODEL = "claude-haiku-4-5-20251001"
OPENAI_MODEL = "gpt-4o-mini-2024-07-18"


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def delta_text(i: int) -> str:
    return WORDS[i % len(WORDS)]


def expected_text(deltas: int) -> str:
    return "".join(delta_text(i) for i in range(deltas))


# -- Anthropic Messages ----------------------------------------------------------------------


def _a(name: str, payload: dict) -> bytes:
    return f"event: {name}\ndata: {_json(payload)}\n\n".encode()


def anthropic_head() -> List[bytes]:
    return [
        _a("message_start", {"type": "message_start", "message": {
            "id": "msg_01BenchXXXXXXXXXXXXXXXXX", "type": "message", "role": "assistant",
            "model": ANTHROPIC_MODEL, "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 25, "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": 0, "output_tokens": 1, "service_tier": "standard"}}}),
        _a("content_block_start", {"type": "content_block_start", "index": 0,
                                   "content_block": {"type": "text", "text": ""}}),
        _a("ping", {"type": "ping"}),
    ]


def anthropic_delta(text: str) -> bytes:
    return _a("content_block_delta", {"type": "content_block_delta", "index": 0,
                                      "delta": {"type": "text_delta", "text": text}})


def anthropic_tail(deltas: int) -> List[bytes]:
    return [
        _a("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _a("message_delta", {"type": "message_delta",
                             "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                             "usage": {"output_tokens": deltas}}),
        _a("message_stop", {"type": "message_stop"}),
    ]


def anthropic_stream(deltas: int) -> List[bytes]:
    return anthropic_head() + [anthropic_delta(delta_text(i)) for i in range(deltas)] + anthropic_tail(deltas)


def anthropic_json(text: str = "Hi!") -> bytes:
    """A non-streaming Messages reply."""
    return _json({
        "id": "msg_01BenchXXXXXXXXXXXXXXXXX", "type": "message", "role": "assistant",
        "model": ANTHROPIC_MODEL, "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 8, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "output_tokens": 3, "service_tier": "standard"},
    }).encode("utf-8")


# -- OpenAI Chat Completions -----------------------------------------------------------------

_CHUNK_BASE = {"id": "chatcmpl-BenchXXXXXXXXXXXXXXXXXXXXXXXX", "object": "chat.completion.chunk",
               "created": 1764000000, "model": OPENAI_MODEL, "service_tier": "default",
               "system_fingerprint": "fp_0123456789"}


def _o(choices: list, usage: object = None) -> bytes:
    return f"data: {_json({**_CHUNK_BASE, 'choices': choices, 'usage': usage})}\n\n".encode()


def openai_head() -> List[bytes]:
    return [_o([{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None},
                 "logprobs": None, "finish_reason": None}])]


def openai_delta(text: str) -> bytes:
    return _o([{"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": None}])


def openai_tail(deltas: int) -> List[bytes]:
    usage = {"prompt_tokens": 8, "completion_tokens": deltas, "total_tokens": 8 + deltas,
             "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                           "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
    return [
        _o([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]),
        _o([], usage),
        b"data: [DONE]\n\n",
    ]


def openai_stream(deltas: int) -> List[bytes]:
    return openai_head() + [openai_delta(delta_text(i)) for i in range(deltas)] + openai_tail(deltas)


def openai_json(text: str = "Hi!") -> bytes:
    """A non-streaming Chat Completions reply."""
    return _json({
        "id": "chatcmpl-BenchXXXXXXXXXXXXXXXXXXXXXXXX", "object": "chat.completion", "created": 1764000000,
        "model": OPENAI_MODEL, "service_tier": "default", "system_fingerprint": "fp_0123456789",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None,
                                             "annotations": []},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 8, "completion_tokens": 3, "total_tokens": 11},
    }).encode("utf-8")


def stream_frames(fmt: str, deltas: int) -> List[bytes]:
    return anthropic_stream(deltas) if fmt == "anthropic" else openai_stream(deltas)


def json_body(fmt: str) -> bytes:
    return anthropic_json() if fmt == "anthropic" else openai_json()
