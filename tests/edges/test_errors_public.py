"""Every llmsdk error pickles (multiprocessing, Ray, Celery), stream errors included; the
common errors import from ``llmsdk`` as well as ``llmsdk.errors``."""

from __future__ import annotations

import pickle

import pytest

import llmsdk
from llmsdk import errors


@pytest.mark.parametrize("error_type, status_class", [
    ("overloaded_error", errors.OverloadedError), ("rate_limit_error", errors.RateLimitError),
    ("context_length_exceeded", errors.ContextWindowExceededError), ("something_new", errors.ServerError),
])
def test_an_error_from_a_stream_event_pickles_as_both_of_its_classes(error_type, status_class) -> None:
    exc = errors.make_stream_error("busy", error_type=error_type, provider="anthropic", request_id="req_1")
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert isinstance(copy, errors.ProviderStreamError) and isinstance(copy, status_class)
    assert (copy.status, copy.provider, copy.request_id, str(copy)) == (exc.status, "anthropic", "req_1", str(exc))


def test_an_unknown_status_in_a_stream_still_pickles() -> None:
    exc = errors.make_stream_error("teapot", status=418)
    assert isinstance(pickle.loads(pickle.dumps(exc)), errors.ProviderStreamError)


def test_every_error_class_pickles() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.LLMError):
            copy = pickle.loads(pickle.dumps(cls("boom")))
            assert type(copy) is cls and str(copy) == str(cls("boom")), name


@pytest.mark.parametrize("name", ["RateLimitError", "AuthenticationError", "InvalidRequestError", "TransportError",
                                  "ReadTimeoutError", "IncompleteStreamError", "OutputParseError", "StreamError"])
def test_the_common_errors_import_from_llmsdk(name: str) -> None:
    assert getattr(llmsdk, name) is getattr(errors, name)
    assert name in llmsdk.__all__
    assert getattr(llmsdk, name).__module__ == "llmsdk"  # tracebacks name what users import


def test_from_llmsdk_import_an_error() -> None:
    from llmsdk import RateLimitError
    from llmsdk.errors import RateLimitError as same
    assert RateLimitError is same
