"""The public contract: ``llmsdk.__all__`` and ``llmsdk.errors.__all__`` pinned name for
name, every name resolving lazily to the object ``_EXPORTS`` promises, and a bare
``import llmsdk`` that imports nothing heavy."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import llmsdk
from llmsdk import errors

REPO = Path(__file__).resolve().parents[1]

#: Everything ``from llmsdk import *`` gives, in ``sorted()`` order. Adding a public name
#: means adding it here: a name cannot appear (or vanish) by accident.
PUBLIC = [
    "AllDeploymentsFailedError", "AllModels", "BatchCounts", "BatchJob", "BatchStatus", "Citation", "Deployment",
    "DocumentContent", "EmbeddingResponse", "EventStream", "HttpClientOptions", "ImageContent", "LLMClient", "LLMError", "LLMEvent", "LLMMessage",
    "LLMModel", "LLMModelBuilder", "LLMProvider", "LLMRequest", "LLMResponse", "MCPError", "MapResult", "ModelCapabilities",
    "ModelCapabilitiesBuilder", "ProviderTool", "ProviderToolContent", "RateLimitInfo", "RateLimiter",
    "RedactedThinkingContent", "RedisRateLimiter", "RetryPolicy", "Router", "SecretString", "StopReason",
    "TextContent", "ThinkingContent", "ThinkingOptions", "Timeouts", "Tool", "ToolInputError", "ToolResultContent",
    "ToolRunResult", "ToolUseContent", "UnknownModelError", "Usage", "all_models", "get_model", "register_model",
    "register_openai_compatible", "register_provider", "tool",
]

#: ``llmsdk.errors.__all__``, in ``sorted()`` order.
ERRORS = [
    "AllDeploymentsFailedError", "AuthenticationError", "BadRequestError", "BatchRequestNotRunError",
    "BrokenStreamError", "ConnectTimeoutError",
    "ConnectionFailedError", "ContentIdleTimeoutError", "ContextWindowExceededError", "CreateClientError",
    "IncompleteStreamError", "InvalidConfigError", "InvalidRequestError", "InvalidResponseCodeError", "LLMError",
    "MCPError", "MalformedEventError", "NotFoundError", "OutputParseError", "OverloadedError", "PermissionDeniedError",
    "ProviderStreamError", "RateLimitError", "ReadTimeoutError", "RefusalError", "ServerError",
    "StreamCancelledError", "StreamError", "StructuredOutputError", "TotalTimeoutError", "TransportError",
    "UnsupportedFeatureError", "error_class_for_status", "error_class_for_type", "make_body_error",
    "make_status_error", "make_stream_error",
]

#: DESIGN.md, "Public contract" and "Contract for the second round of capabilities".
CONTRACT = [
    "HttpClientOptions", "ImageContent", "LLMClient", "LLMEvent", "LLMMessage", "LLMModel", "LLMModelBuilder",
    "LLMProvider", "LLMRequest", "LLMResponse", "ModelCapabilitiesBuilder", "RedactedThinkingContent", "StopReason",
    "TextContent", "ThinkingContent", "ThinkingOptions", "Tool", "ToolResultContent", "ToolUseContent", "Usage",
    "all_models", "get_model", "register_provider",
    "MapResult", "RateLimiter", "RedisRateLimiter", "BatchJob", "BatchStatus", "BatchCounts", "EmbeddingResponse",
    "DocumentContent", "Citation", "ProviderTool", "ProviderToolContent",
]
ERRORS_CONTRACT = [
    "LLMError", "CreateClientError", "InvalidConfigError", "InvalidRequestError", "TransportError",
    "ConnectTimeoutError", "ReadTimeoutError", "ConnectionFailedError", "InvalidResponseCodeError",
    "BadRequestError", "ContextWindowExceededError", "AuthenticationError", "PermissionDeniedError",
    "NotFoundError", "RateLimitError", "OverloadedError", "ServerError", "StreamError", "ProviderStreamError",
    "IncompleteStreamError", "MalformedEventError",
    "StructuredOutputError", "OutputParseError", "RefusalError", "UnsupportedFeatureError",
    "MCPError",
]

#: Each error class and its bases, as the tree in DESIGN.md and ``llmsdk/errors.py`` draws it.
ERROR_TREE = {
    "CreateClientError": ("LLMError",),
    "InvalidConfigError": ("LLMError", "ValueError"),
    "InvalidRequestError": ("LLMError", "ValueError"),
    "UnsupportedFeatureError": ("InvalidRequestError",),
    "TransportError": ("LLMError",),
    "ConnectTimeoutError": ("TransportError", "TimeoutError"),
    "ReadTimeoutError": ("TransportError", "TimeoutError"),
    "ContentIdleTimeoutError": ("ReadTimeoutError",),
    "TotalTimeoutError": ("ReadTimeoutError",),
    "ConnectionFailedError": ("TransportError", "ConnectionError"),
    "InvalidResponseCodeError": ("LLMError",),
    "BadRequestError": ("InvalidResponseCodeError",),
    "ContextWindowExceededError": ("BadRequestError",),
    "AuthenticationError": ("InvalidResponseCodeError",),
    "PermissionDeniedError": ("InvalidResponseCodeError",),
    "NotFoundError": ("InvalidResponseCodeError",),
    "RateLimitError": ("InvalidResponseCodeError",),
    "OverloadedError": ("InvalidResponseCodeError",),
    "ServerError": ("InvalidResponseCodeError",),
    "BatchRequestNotRunError": ("LLMError",),
    "MCPError": ("LLMError",),
    "AllDeploymentsFailedError": ("LLMError",),
    "StreamError": ("LLMError",),
    "ProviderStreamError": ("StreamError",),
    "IncompleteStreamError": ("StreamError",),
    "BrokenStreamError": ("IncompleteStreamError", "ConnectionFailedError"),
    "MalformedEventError": ("StreamError",),
    "StreamCancelledError": ("StreamError",),
    "StructuredOutputError": ("LLMError",),
    "OutputParseError": ("StructuredOutputError",),
    "RefusalError": ("StructuredOutputError",),
}


def test_all_is_pinned_exactly() -> None:
    assert llmsdk.__all__ == PUBLIC
    assert sorted(llmsdk._EXPORTS) == PUBLIC  # __all__ is derived from _EXPORTS, nothing else


def test_errors_all_is_pinned_exactly() -> None:
    assert errors.__all__ == ERRORS


@pytest.mark.parametrize("names, pinned", [(CONTRACT, PUBLIC), (ERRORS_CONTRACT, ERRORS)], ids=["llmsdk", "errors"])
def test_every_contract_name_is_public(names: list, pinned: list) -> None:
    assert [n for n in names if n not in pinned] == []


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_is_the_object_its_module_defines(name: str) -> None:
    """``llmsdk.X`` is the very object of the module ``_EXPORTS`` names, defined inside
    the package (not, say, a typing alias or a same-named object from a dependency)."""
    value = getattr(llmsdk, name)
    assert value is getattr(importlib.import_module(llmsdk._EXPORTS[name]), name)
    owner = value if inspect.isclass(value) or inspect.isfunction(value) else type(value)
    assert owner.__module__.startswith("llmsdk"), owner.__module__
    if inspect.isclass(value):  # exported classes name the module users import them from
        assert value.__module__ == "llmsdk", value.__module__
    assert name in dir(llmsdk)


def test_each_error_name_is_defined_in_llmsdk_errors() -> None:
    for name in ERRORS:
        assert getattr(errors, name).__module__ in ("llmsdk.errors", "llmsdk"), name  # "llmsdk" if exported there


def test_every_error_class_of_the_module_is_exported() -> None:
    defined = {name for name, value in vars(errors).items()
               if inspect.isclass(value) and issubclass(value, errors.LLMError) and value.__module__ in ("llmsdk.errors", "llmsdk")}
    assert sorted(defined) == [n for n in errors.__all__ if n[0].isupper()]


@pytest.mark.parametrize("name, bases", sorted(ERROR_TREE.items()))
def test_the_error_tree(name: str, bases: tuple) -> None:
    cls = getattr(errors, name)
    assert [b.__name__ for b in cls.__bases__] == list(bases)


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        llmsdk.NoSuchThing  # noqa: B018


#: Run in a fresh interpreter: which modules does each step import?
_PROBE = """
import json, sys
def loaded():
    return {m for m in sys.modules if m.split(".")[0] in HEAVY or m.startswith("llmsdk.")}
HEAVY = {"requests", "urllib3", "pydantic", "redis", "ray", "tiktoken", "tqdm", "IPython", "pandas", "numpy"}
import llmsdk
steps = {"import": sorted(loaded())}
llmsdk.Usage
steps["Usage"] = sorted(loaded())
for name in llmsdk.__all__:
    getattr(llmsdk, name)
steps["all"] = sorted(m for m in loaded() if not m.startswith("llmsdk."))
print(json.dumps(steps))
"""


def test_import_is_lazy_and_no_name_pulls_in_an_optional_extra() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)
    assert steps["import"] == []  # ``import llmsdk`` alone: no submodule, no dependency
    assert not [m for m in steps["Usage"] if m.split(".")[0] in ("requests", "urllib3")]
    assert "llmsdk.client" not in steps["Usage"]
    # resolving every public name needs the HTTP stack, and nothing optional
    assert {m.split(".")[0] for m in steps["all"]} == {"requests", "urllib3"}


def test_exported_values_pickle_under_their_public_name() -> None:
    import pickle

    request = llmsdk.LLMRequest(model="m", messages=[llmsdk.LLMMessage.user("hi")])
    for value in (request, llmsdk.Usage(1, 2), llmsdk.StopReason.END_TURN, llmsdk.Timeouts(connect=3),
                  llmsdk.LLMError("boom")):
        copy = pickle.loads(pickle.dumps(value))
        assert type(copy) is type(value) and type(copy).__module__ == "llmsdk"
    assert pickle.loads(pickle.dumps(request)) == request
