"""GPT-6 (issue 22): max_completion_tokens only; sampling parameters only where the model's
registry entry and the reasoning effort allow; cache writes, 12-hour writes and the ``fast``
tier read from usage; the Responses compaction event ignored."""

from __future__ import annotations

import json
import logging

import pytest

from llmsdk import LLMMessage, LLMRequest, ThinkingOptions, Usage
from llmsdk.errors import InvalidRequestError
from llmsdk.events import Stop
from llmsdk.models import get_model
from llmsdk.providers.openai.request import OpenAIRequestFormatter
from llmsdk.providers.openai.responses_request import ResponsesRequestFormatter
from llmsdk.providers.openai.responses_stream import ResponsesStreamProcessor, usage_from_responses
from llmsdk.providers.openai.stream import OpenAIStreamProcessor, usage_from_openai

CHAT = OpenAIRequestFormatter()
RESPONSES = ResponsesRequestFormatter()


def req(model: str, **kw) -> LLMRequest:
    return LLMRequest(model=get_model(model, "openai"), messages=[LLMMessage.user("Hi")], **kw)


def test_gpt6_gets_max_completion_tokens_never_max_tokens() -> None:
    body = CHAT.body(req("gpt-6.2-sol", max_tokens=500))
    assert body["max_completion_tokens"] == 500 and "max_tokens" not in body
    body = CHAT.body(req("gpt-6.2-sol", extra_body={"max_tokens": 300}))
    assert body["max_completion_tokens"] == 300 and "max_tokens" not in body
    assert CHAT.body(req("gpt-6-luna"))["messages"][0]["role"] == "user"
    assert RESPONSES.body(req("gpt-6.2-sol", max_tokens=500))["max_output_tokens"] == 500


@pytest.mark.parametrize("model", ["gpt-6.2-sol", "gpt-6.2-astra", "gpt-6.1-sol", "gpt-6-astra"])
def test_sampling_never_sent_to_models_that_reject_it(model: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="llmsdk.openai"):
        body = CHAT.body(req(model, temperature=0.2, top_p=0.9, extra_body={"logprobs": True},
                             thinking=ThinkingOptions(effort="none")))
    assert not {"temperature", "top_p", "logprobs"} & set(body)
    assert not {"temperature", "top_p"} & set(RESPONSES.body(req(model, temperature=0.2)))


def test_sampling_only_at_effort_none_on_sol_and_luna() -> None:
    assert "temperature" not in CHAT.body(req("gpt-6-sol", temperature=0.2))  # default effort: medium
    assert "temperature" not in CHAT.body(req("gpt-6-sol", temperature=0.2, thinking=ThinkingOptions(effort="low")))
    at_none = CHAT.body(req("gpt-6-sol", temperature=0.2, thinking=ThinkingOptions(effort="none")))
    assert at_none["temperature"] == 0.2 and at_none["reasoning_effort"] == "none"
    via_extra = CHAT.body(req("gpt-6-luna", top_p=0.5, extra_body={"reasoning_effort": "none"}))
    assert via_extra["top_p"] == 0.5
    responses = RESPONSES.body(req("gpt-6.1-terra", temperature=0.3, thinking=ThinkingOptions(effort="none")))
    assert responses["temperature"] == 0.3
    # older models and unknown ids keep them
    assert CHAT.body(req("gpt-4.1", temperature=0.2))["temperature"] == 0.2
    assert CHAT.body(LLMRequest(model="my-gpt", messages=[LLMMessage.user("x")], temperature=0.2))["temperature"] == 0.2


def test_prompt_cache_options_checked_per_api() -> None:
    options = {"mode": "explicit", "ttl": "12h"}
    assert RESPONSES.body(req("gpt-6.2-sol", extra_body={"prompt_cache_options": options}))["prompt_cache_options"] == options
    chat = {"mode": "explicit", "ttl": "30m"}
    assert CHAT.body(req("gpt-6.2-sol", extra_body={"prompt_cache_options": chat}))["prompt_cache_options"] == chat
    with pytest.raises(InvalidRequestError, match="Responses API"):
        CHAT.body(req("gpt-6.2-sol", extra_body={"prompt_cache_options": options}))
    with pytest.raises(InvalidRequestError, match="mode"):
        RESPONSES.body(req("gpt-6.2-sol", extra_body={"prompt_cache_options": {"mode": "always"}}))


def test_chat_usage_reads_cache_writes_12h_and_reasoning() -> None:
    raw = {"prompt_tokens": 10_000, "completion_tokens": 900,
           "prompt_tokens_details": {"cached_tokens": 2_000, "cache_write_tokens": 5_000,
                                     "cache_write_tokens_details": {"ttl_30m_tokens": 3_000, "ttl_12h_tokens": 2_000}},
           "completion_tokens_details": {"reasoning_tokens": 600}}
    assert usage_from_openai(raw) == Usage(input_tokens=3_000, output_tokens=900, cache_reads=2_000,
                                           cache_writes=5_000, reasoning_tokens=600, cache_writes_12h=2_000)


def test_responses_usage_reads_cache_writes_12h() -> None:
    raw = {"input_tokens": 10_000, "output_tokens": 50,
           "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 4_000,
                                    "cache_write_tokens_details": {"ttl_30m_tokens": 1_000, "ttl_12h_tokens": 3_000}},
           "output_tokens_details": {"reasoning_tokens": 20}}
    assert usage_from_responses(raw) == Usage(input_tokens=6_000, output_tokens=50, cache_writes=4_000,
                                              reasoning_tokens=20, cache_writes_12h=3_000)


def _chat_events(chunks):
    proc = OpenAIStreamProcessor()
    events = []
    for chunk in chunks:
        events.extend(proc.process("message", json.dumps(chunk)))
    events.extend(proc.process("message", "[DONE]"))
    events.extend(proc.finish())
    return events


def test_a_fast_request_answered_as_priority_is_priced_as_priority() -> None:
    base = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-6.1-terra", "service_tier": "priority"}
    events = _chat_events([
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**base, "choices": [], "usage": {"prompt_tokens": 1_000, "completion_tokens": 1_000}},
    ])
    stop = events[-1]
    assert isinstance(stop, Stop) and stop.usage.service_tier == "priority"
    terra = get_model("gpt-6.1-terra")
    assert terra.calculate_cost(stop.usage) == pytest.approx((1_000 * 2 + 1_000 * 10) / 1e6)  # Fast $2/$10


def test_responses_compaction_event_is_ignored() -> None:
    proc = ResponsesStreamProcessor()
    created = {"type": "response.created", "sequence_number": 0,
               "response": {"id": "resp_1", "model": "gpt-6.2-sol", "status": "in_progress", "output": []}}
    compacting = {"type": "response.compaction.compacting", "item_id": "cmp_1", "output_index": 0,
                  "sequence_number": 1}
    completed = {"type": "response.completed", "sequence_number": 2,
                 "response": {"id": "resp_1", "model": "gpt-6.2-sol", "status": "completed", "output": [],
                              "service_tier": "priority",
                              "usage": {"input_tokens": 5, "output_tokens": 1}}}
    assert list(proc.process("response.created", json.dumps(created))) == []
    assert list(proc.process("response.compaction.compacting", json.dumps(compacting))) == []
    events = list(proc.process("response.completed", json.dumps(completed)))
    assert isinstance(events[-1], Stop) and events[-1].usage == Usage(5, 1, service_tier="priority")
