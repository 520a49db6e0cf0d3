"""OpenAI's Responses API (``POST /v1/responses``), chosen with
``HttpClientOptions.new_openai(key, api="responses")``.

Same host, bearer auth and error bodies as Chat Completions; a different body
(``responses_request.py``) and stream (``responses_stream.py``). Requests are stateless
(``store: false``): reasoning travels back to the API as encrypted items in the history.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk._core.urls import join_url
from llmsdk.providers.base import Endpoint, PostJson
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.client import ChatCompletionsAdapter, count_tokens_tiktoken
from llmsdk.providers.openai.responses_request import ResponsesRequestFormatter
from llmsdk.providers.openai.responses_stream import ResponsesStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["OpenAICompatibleResponsesAdapter", "OpenAIResponsesAdapter", "ResponsesAdapter"]

#: Body fields ``POST /v1/responses/input_tokens`` accepts (types/responses/input_token_count_params.py).
_COUNT_FIELDS = ("model", "input", "instructions", "tools", "tool_choice", "reasoning")


class ResponsesAdapter(ChatCompletionsAdapter):
    """Any Responses endpoint: ``POST {api_base}/v1/responses`` with a bearer key (auth,
    URL joining and token estimates are Chat Completions', inherited). ``name`` is the
    provider key its errors and responses carry."""

    name = "openai_compatible"
    path = "/v1/responses"
    embeddings: Optional[EmbeddingsApi] = OpenAIEmbeddings()
    responses_formatter = ResponsesRequestFormatter()

    def __init__(self, name: Optional[str] = None) -> None:
        if name is not None:
            self.name = name

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return self.responses_formatter.body(request)

    def stream_processor(self, request: LLMRequest) -> ResponsesStreamProcessor:  # type: ignore[override]
        return ResponsesStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """The stream processor's ``error_info``: HTTP error replies and error events read alike."""
        return ResponsesStreamProcessor.error_info(status, body)


class OpenAIResponsesAdapter(ResponsesAdapter):
    """OpenAI (``https://api.openai.com``); counts tokens with its own endpoint."""

    name = "openai"

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """``POST /v1/responses/input_tokens`` with the request's input, instructions,
        tools and reasoning: the count OpenAI bills."""
        body = self.request_body(request)
        payload = {key: body[key] for key in _COUNT_FIELDS if key in body}
        url = join_url(endpoint.api_base, "/v1/responses/input_tokens")
        result = post_json(url, self.auth_headers(endpoint.key), payload)
        tokens = result.get("input_tokens")
        if isinstance(tokens, int) and not isinstance(tokens, bool):
            return tokens
        counted = count_tokens_tiktoken(request)
        return counted if counted is not None else estimate_tokens(request)


class OpenAICompatibleResponsesAdapter(ResponsesAdapter):
    """A compatible server's ``/v1/responses`` (vLLM, Ollama, LM Studio...): tokens are
    estimated locally, as for its Chat Completions."""
