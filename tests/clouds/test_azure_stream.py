"""Azure's Chat Completions stream, fed to the processor without HTTP: filter fields are
read on every path (the plain-text fast path included) and never break OpenAI's rules."""

from __future__ import annotations

from llmsdk import StopReason
from llmsdk.providers.azure_openai.stream import AzureChatStreamProcessor
from llmsdk.testing import accumulate, feed
from llmsdk.testing import azure_openai as azure_replies


def _run(reply: bytes) -> tuple:
    processor = AzureChatStreamProcessor(provider="azure_openai")
    events = feed(processor, [reply])
    return processor, accumulate(events)


def test_filtered_transcript() -> None:
    processor, resp = _run(azure_replies.filtered_reply("It was a dark night", category="hate", chunk=4).body_bytes())
    assert resp.stop_reason is StopReason.CONTENT_FILTER and resp.text == "It was a dark night"
    assert processor.provider_details["content_filter_results"]["hate"]["filtered"] is True
    assert processor.provider_details["prompt_filter_results"][0]["prompt_index"] == 0
    assert processor.response_id == "chatcmpl-fake" and processor.usage.output_tokens == 4


def test_clean_transcript_split_anywhere() -> None:
    raw = azure_replies.text_reply("Hello there, world", chunk=3).body_bytes()
    for cut in (1, 57, 200, len(raw) - 3):
        processor = AzureChatStreamProcessor()
        resp = accumulate(feed(processor, [raw[:cut], raw[cut:]]))
        assert resp.text == "Hello there, world" and resp.stop_reason is StopReason.END_TURN
        assert processor.provider_details["content_filter_results"]["violence"]["filtered"] is False
