"""Chat Completions streams at their edges: Azure's content-filter chunks, servers that
end a stream without a finish_reason."""

from __future__ import annotations

import pytest

from llmsdk._engine.sse import feed as run
from llmsdk import LLMEvent, StopReason, TextContent, ToolUseContent
from llmsdk.providers.groq.stream import GroqStreamProcessor
from llmsdk.providers.openai.stream import ChatStreamProcessor, OpenAIStreamProcessor
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor
from llmsdk.providers.openrouter.stream import OpenRouterStreamProcessor
from llmsdk.testing import sse_event


# Azure OpenAI's first chunk carries only the prompt's filter results, with "id": "" and no
# choices (recorded in AbanteAI/mentat#429, xenodium/chatgpt-shell#155).
AZURE_FILTER_CHUNK = {
    "id": "", "choices": [], "created": 0, "model": "", "object": "", "system_fingerprint": None,
    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {
        "hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
        "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}}],
}


def _chunk(delta: dict, finish: object = None, chunk_id: str = "chatcmpl-8V1mzvFANVW81eY6AMkrEgfIMuFKN") -> dict:
    return {"id": chunk_id, "object": "chat.completion.chunk", "created": 1702405737, "model": "gpt-4",
            "choices": [{"index": 0, "finish_reason": finish, "delta": delta, "content_filter_results": {}}]}


def test_an_empty_first_id_does_not_blank_the_response_id() -> None:
    processor = OpenAIStreamProcessor()
    body = [sse_event(AZURE_FILTER_CHUNK), sse_event(_chunk({"role": "assistant"})),
            sse_event(_chunk({"content": "Hello"})), sse_event(_chunk({"content": " there"})),
            sse_event(_chunk({}, "stop")), sse_event("[DONE]")]
    events = run(processor, body)
    assert processor.response_id == "chatcmpl-8V1mzvFANVW81eY6AMkrEgfIMuFKN"
    assert processor.model == "gpt-4"
    assert events[-2:] == [LLMEvent.Content(0, TextContent("Hello there")), LLMEvent.Stop(StopReason.END_TURN,
                                                                                            processor.usage)]


def test_the_plain_text_path_also_takes_the_first_non_empty_id() -> None:
    """A plain text chunk right after the filter chunk must not be fast-pathed past its id."""
    processor = ChatStreamProcessor()
    run(processor, [sse_event(AZURE_FILTER_CHUNK), sse_event(_chunk({"content": "Hi"}, chunk_id="chatcmpl-A")),
                    sse_event(_chunk({"content": "!"}, chunk_id="chatcmpl-B")), sse_event(_chunk({}, "stop")),
                    sse_event("[DONE]")])
    assert processor.response_id == "chatcmpl-A"


def test_a_stream_whose_ids_are_all_empty_keeps_none() -> None:
    processor = ChatStreamProcessor()
    run(processor, [sse_event(_chunk({"content": "Hi"}, chunk_id="")), sse_event(_chunk({}, "stop", chunk_id="")),
                    sse_event("[DONE]")])
    assert processor.response_id is None


def test_the_response_id_through_the_client(server) -> None:  # type: ignore[no-untyped-def]
    from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
    from llmsdk.testing import ScriptedReply

    server.add_reply(ScriptedReply.sse([sse_event(AZURE_FILTER_CHUNK), sse_event(_chunk({"content": "Hi"})),
                                        sse_event(_chunk({}, "stop")), sse_event("[DONE]")]))
    with LLMClient.new(HttpClientOptions.new_openai("k", api_base=server.url)) as client:
        resp = client.complete(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("Hi")]))
    assert (resp.id, resp.text) == ("chatcmpl-8V1mzvFANVW81eY6AMkrEgfIMuFKN", "Hi")


@pytest.mark.parametrize("processor_class", [OpenAIStreamProcessor, GroqStreamProcessor, OpenRouterStreamProcessor,
                                             OpenAICompatibleStreamProcessor])
def test_blocks_still_open_at_done_are_finished_in_index_order(processor_class: type) -> None:
    """The Anthropic gap (blocks open at the terminator dropped) does not exist here: a
    server that sends ``[DONE]`` without a finish_reason still gets every block, finished."""
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    events = run(processor_class(), [sse_event(_chunk({"content": "Let me check."})),
                                     sse_event(_chunk({"tool_calls": [call]})), sse_event("[DONE]")])
    assert [e for e in events if isinstance(e, LLMEvent.Content)] == [
        LLMEvent.Content(0, TextContent("Let me check.")), LLMEvent.Content(1, ToolUseContent("call_1", "f", {"a": 1}))]
    assert events[-1] == LLMEvent.Stop(None, events[-1].usage)
