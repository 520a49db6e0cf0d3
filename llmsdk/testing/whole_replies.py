"""Whole (non-streamed) reply and error bodies in each provider's shape, as batch result
files carry them (shaped like the recorded bodies in the official SDKs' tests).

>>> chat_completion_body("Hi!")["choices"][0]["message"]["content"]
'Hi!'
>>> reply_body("anthropic", "Hi!", "claude-haiku-4-5")["content"]
[{'type': 'text', 'text': 'Hi!'}]
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from llmsdk.testing import anthropic, gemini, openai

__all__ = [
    "anthropic_message_body", "chat_completion_body", "error_body", "gemini_response_body", "reply_body",
    "rpc_status",
]

Json = Dict[str, Any]


def chat_completion_body(text: str, model: str = "gpt-4o-mini-2024-07-18", usage: Tuple[int, int] = (10, 5),
                         completion_id: str = "chatcmpl-fake") -> Json:
    return {
        "id": completion_id, "object": "chat.completion", "created": 1727346142, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None,
                                             "annotations": []},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage),
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
        "service_tier": "default", "system_fingerprint": "fp_fake",
    }


def anthropic_message_body(text: str, model: str = "claude-haiku-4-5-20251001", usage: Tuple[int, int] = (10, 5),
                           message_id: str = "msg_01Fake") -> Json:
    return {
        "model": model, "id": message_id, "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "output_tokens": usage[1], "service_tier": "batch"},
    }


def gemini_response_body(text: str, model: str = "gemini-2.5-flash", usage: Tuple[int, int] = (10, 5),
                         response_id: str = "fake-response") -> Json:
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": usage[0], "candidatesTokenCount": usage[1],
                          "totalTokenCount": sum(usage),
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": usage[0]}]},
        "modelVersion": model, "responseId": response_id,
    }


def reply_body(provider: str, text: str, model: str, usage: Tuple[int, int] = (10, 5)) -> Json:
    """A text reply in ``provider``'s non-streamed shape."""
    if provider == "anthropic":
        return anthropic_message_body(text, model, usage)
    if provider == "gemini":
        return gemini_response_body(text, model, usage)
    return chat_completion_body(text, model, usage)


#: google.rpc.Code numbers, as a ``Status`` inside a batch result carries them.
RPC_CODES = {"INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5, "PERMISSION_DENIED": 7,
             "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9, "INTERNAL": 13, "UNAVAILABLE": 14,
             "UNAUTHENTICATED": 16}


def error_body(provider: str, status: int, message: str, error_type: Optional[str] = None) -> Json:
    """An HTTP error body in ``provider``'s shape (the ``llmsdk.testing.<provider>`` builders)."""
    if provider == "anthropic":
        return anthropic.error_body(status, message, error_type=error_type)
    if provider == "gemini":
        return gemini.error_body(status, error_type or gemini.error_type_for(status), message)
    return openai.error_body(status, message, dialect=provider, error_type=error_type)


def rpc_status(status: int, message: str) -> Json:
    """A ``google.rpc.Status`` for an HTTP status (a failed request inside a Gemini batch)."""
    return {"code": RPC_CODES.get(gemini.error_type_for(status), 2), "message": message}
