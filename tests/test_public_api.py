"""The public contract: names importable from llmsdk, and __all__ pinned and sorted."""

import importlib

import llmsdk

CONTRACT = [
    "HttpClientOptions", "ImageContent", "LLMClient", "LLMEvent", "LLMMessage", "LLMModel",
    "LLMModelBuilder", "LLMProvider", "LLMRequest", "LLMResponse", "ModelCapabilitiesBuilder",
    "RedactedThinkingContent", "StopReason", "TextContent", "ThinkingContent", "ThinkingOptions",
    "Tool", "ToolResultContent", "ToolUseContent", "Usage", "all_models", "get_model", "register_provider",
    # second round: documents, citations, provider-run tools (issue 15)
    "Citation", "DocumentContent", "ProviderTool", "ProviderToolContent",
    # provider batch jobs (issue 13)
    "BatchJob", "BatchStatus", "BatchCounts",
    "EmbeddingResponse",  # issue 14
    # second round: many requests (issue 12)
    "MapResult", "RateLimiter", "RedisRateLimiter",
]


def test_all_is_sorted_and_covers_the_contract():
    assert llmsdk.__all__ == sorted(llmsdk.__all__)
    assert set(CONTRACT) <= set(llmsdk.__all__)


def test_every_public_name_imports():
    for name in llmsdk.__all__:
        assert getattr(llmsdk, name) is not None, name


def test_error_hierarchy_module():
    errors = importlib.import_module("llmsdk.errors")
    for name in errors.__all__:
        assert hasattr(errors, name)
    assert issubclass(errors.OverloadedError, errors.InvalidResponseCodeError)
    assert issubclass(errors.IncompleteStreamError, errors.StreamError)
    assert issubclass(errors.InvalidRequestError, errors.LLMError)
    assert issubclass(errors.UnsupportedFeatureError, errors.InvalidRequestError)


def test_unknown_attribute_raises():
    try:
        llmsdk.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
