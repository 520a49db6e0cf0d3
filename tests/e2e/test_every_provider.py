"""The same scenarios over every built-in provider, end to end (real HTTP against
FakeProviderServer): each ``llmsdk.testing`` module speaks one builder vocabulary
(``text_reply``, ``tool_use_reply``, ``error_reply``, ``stream_error_reply``,
``truncated_reply``), so one test body covers them all — OpenAI's Responses API too."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Dict, Iterator, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, StopReason, Timeouts
from llmsdk.errors import (
    AuthenticationError, BadRequestError, IncompleteStreamError, InvalidResponseCodeError, NotFoundError,
    ProviderStreamError, RateLimitError, ServerError,
)
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic, gemini, ollama, openai


@dataclass(frozen=True)
class Provider:
    key: str
    builders: ModuleType
    model: str
    extra: Dict[str, Any] = field(default_factory=dict)  # the dialect, for the Chat Completions family
    api: str = "chat"
    #: The wire has no tool-call ids (Ollama): llmsdk makes them.
    made_tool_ids: bool = False
    #: A mid-stream error names no type or status (Ollama's ``{"error": "..."}`` line).
    untyped_stream_errors: bool = False

    def reply(self, name: str, *args: Any, **kwargs: Any) -> ScriptedReply:
        return getattr(self.builders, name)(*args, **self.extra, **kwargs)  # type: ignore[no-any-return]

    def __str__(self) -> str:
        return self.key if self.api == "chat" else f"{self.key}-{self.api}"


PROVIDERS = [
    Provider("anthropic", anthropic, "claude-haiku-4-5"),
    Provider("openai", openai, "gpt-4.1", {"dialect": "openai"}),
    Provider("gemini", gemini, "gemini-2.5-flash"),
    Provider("groq", openai, "llama-3.3-70b-versatile", {"dialect": "groq"}),
    Provider("openrouter", openai, "openai/gpt-4o-mini", {"dialect": "openrouter"}),
    Provider("openai_compatible", openai, "local-model", {"dialect": "openai_compatible"}),
    Provider("openai", openai.responses, "gpt-5.4-mini", api="responses"),
    # more providers (issue 28)
    Provider("mistral", openai, "mistral-small-latest", {"dialect": "mistral"}),
    Provider("deepseek", openai, "deepseek-flash", {"dialect": "deepseek"}),
    Provider("xai", openai.responses, "grok-4.7", api="responses"),
    Provider("xai", openai, "grok-4.7", {"dialect": "xai"}),
    Provider("ollama", ollama, "qwen3:8b", made_tool_ids=True, untyped_stream_errors=True),
]
every_provider = pytest.mark.parametrize("provider", PROVIDERS, ids=str)


@pytest.fixture
def client_for(server: FakeProviderServer) -> Iterator[Any]:
    clients: List[LLMClient] = []

    def make(provider: Provider) -> LLMClient:
        timeouts = Timeouts(connect=5, read=10)
        if provider.key == "openai_compatible":
            options = HttpClientOptions.new_openai_compatible(server.url + "/v1", timeouts=timeouts, max_retries=0)
        else:
            options = HttpClientOptions.for_provider(provider.key, "test-key", server.url, timeouts=timeouts,
                                                     max_retries=0, api=provider.api)
        clients.append(LLMClient.new(options))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def ask(provider: Provider) -> LLMRequest:
    return LLMRequest(model=provider.model, messages=[LLMMessage.user("Hi")])


@every_provider
def test_text(server: FakeProviderServer, client_for: Any, provider: Provider) -> None:
    server.add_reply(provider.reply("text_reply", "Hello, wörld! 👋", chunk=4))
    with client_for(provider).send(ask(provider)) as stream:
        events = list(stream)
        response = stream.final_response()
    deltas = [e.content.text for e in events if isinstance(e, LLMEvent.PartialContent)]
    assert "".join(deltas) == "Hello, wörld! 👋" and len(deltas) > 1
    assert response.text == "Hello, wörld! 👋" and response.stop_reason is StopReason.END_TURN
    assert response.provider == provider.key and response.usage.output_tokens > 0


@every_provider
def test_tool_use(server: FakeProviderServer, client_for: Any, provider: Provider) -> None:
    server.add_reply(provider.reply("tool_use_reply", "get_weather", {"city": "Paris", "days": 2},
                                    tool_id="call_1", text="Checking."))
    response = client_for(provider).complete(ask(provider))
    assert response.text == "Checking."
    [call] = response.tool_uses
    assert (call.name, call.input) == ("get_weather", {"city": "Paris", "days": 2})
    assert call.id.startswith("call_") if provider.made_tool_ids else call.id == "call_1"
    assert response.stop_reason is StopReason.TOOL_USE


@every_provider
@pytest.mark.parametrize("status, cls", [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError),
                                         (429, RateLimitError), (500, ServerError)])
def test_http_error_class(server: FakeProviderServer, client_for: Any, provider: Provider, status: int,
                          cls: type) -> None:
    server.add_reply(provider.reply("error_reply", status, "it went wrong"))
    with pytest.raises(InvalidResponseCodeError) as caught:
        client_for(provider).complete(ask(provider))
    assert type(caught.value) is cls
    assert (caught.value.status, caught.value.provider) == (status, provider.key)
    assert "it went wrong" in str(caught.value)
    assert len(server.requests) == 1


@every_provider
@pytest.mark.parametrize("status, cls", [(429, RateLimitError), (500, ServerError)])
def test_stream_error_class(server: FakeProviderServer, client_for: Any, provider: Provider, status: int,
                            cls: type) -> None:
    if provider.untyped_stream_errors and cls is not ServerError:
        pytest.skip(f"{provider.key}'s stream errors carry only a message (read as a server error)")
    server.add_reply(provider.reply("stream_error_reply", "it broke", status=status, text_before="Part"))
    with pytest.raises(ProviderStreamError) as caught:
        client_for(provider).complete(ask(provider))
    assert isinstance(caught.value, cls)
    assert caught.value.provider == provider.key and "it broke" in str(caught.value)
    assert caught.value.partial_response.text == "Part"


@every_provider
def test_truncation(server: FakeProviderServer, client_for: Any, provider: Provider) -> None:
    server.add_reply(provider.reply("truncated_reply", "cut off here", chunk=4))
    with pytest.raises(IncompleteStreamError) as caught:
        client_for(provider).complete(ask(provider))
    assert provider.key in str(caught.value)
    assert caught.value.partial_response.text == "cut off here"
