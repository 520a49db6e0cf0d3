"""The error hierarchy, status tables, and the one place foreign exceptions are mapped."""

import inspect
import socket

import pytest
import requests
import urllib3.exceptions

from llmsdk import errors as E
from llmsdk._engine.http import map_transport_error


@pytest.mark.parametrize("status, cls", [
    (400, E.BadRequestError), (401, E.AuthenticationError), (403, E.PermissionDeniedError),
    (404, E.NotFoundError), (413, E.BadRequestError), (422, E.BadRequestError), (429, E.RateLimitError),
    (498, E.OverloadedError), (500, E.ServerError), (502, E.ServerError), (503, E.OverloadedError),
    (504, E.ServerError), (529, E.OverloadedError), (409, E.InvalidResponseCodeError),
])
def test_status_table(status, cls):
    err = E.make_status_error(status, "boom", provider="anthropic", request_id="req_1", retry_after=1.5)
    assert type(err) is cls
    assert (err.status, err.provider, err.request_id, err.retry_after) == (status, "anthropic", "req_1", 1.5)
    assert "boom" in str(err) and "req_1" in str(err)


def test_context_window_is_recognised():
    err = E.make_status_error(400, "prompt is too long: 250000 tokens > 200000 maximum",
                              error_type="invalid_request_error")
    assert isinstance(err, E.ContextWindowExceededError) and isinstance(err, E.BadRequestError)


@pytest.mark.parametrize("error_type, cls", [
    ("overloaded_error", E.OverloadedError), ("rate_limit_error", E.RateLimitError),
    ("api_error", E.ServerError), ("server_error", E.ServerError), ("RESOURCE_EXHAUSTED", E.RateLimitError),
    ("UNAVAILABLE", E.OverloadedError), ("invalid_request_error", E.BadRequestError),
    ("authentication_error", E.AuthenticationError),
])
def test_stream_errors_are_also_status_classes(error_type, cls):
    err = E.make_stream_error("x", error_type=error_type, provider="p")
    assert isinstance(err, E.ProviderStreamError) and isinstance(err, E.StreamError)
    assert isinstance(err, cls)
    assert type(E.make_stream_error("y", error_type=error_type)) is type(err)  # cached class


def test_stream_error_from_numeric_status():
    assert isinstance(E.make_stream_error("x", status=429), E.RateLimitError)
    assert isinstance(E.make_stream_error("x"), E.ServerError)


def test_builtin_bases_add_meaning():
    assert issubclass(E.InvalidRequestError, ValueError)
    assert issubclass(E.ReadTimeoutError, TimeoutError)
    assert issubclass(E.ConnectionFailedError, ConnectionError)
    assert issubclass(E.ContentIdleTimeoutError, E.ReadTimeoutError)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_requests_exception_is_mapped():
    """No requests exception escapes as anything but an LLMError (TransportError family)."""
    for exc_cls in {requests.exceptions.RequestException, *_all_subclasses(requests.exceptions.RequestException)}:
        if inspect.isabstract(exc_cls):
            continue
        try:
            exc = exc_cls("boom")
        except TypeError:  # JSONDecodeError-style constructors
            exc = exc_cls("boom", "doc", 0)
        mapped = map_transport_error(exc)
        assert isinstance(mapped, E.TransportError), exc_cls


@pytest.mark.parametrize("exc, cls", [
    (requests.exceptions.ConnectTimeout("x"), E.ConnectTimeoutError),
    (requests.exceptions.ReadTimeout("x"), E.ReadTimeoutError),
    (requests.exceptions.ConnectionError("x"), E.ConnectionFailedError),
    (requests.exceptions.ChunkedEncodingError("x"), E.ConnectionFailedError),
    (urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"), E.ReadTimeoutError),
    (urllib3.exceptions.ProtocolError("broken"), E.ConnectionFailedError),
    (socket.timeout("t"), E.ReadTimeoutError),
    (ConnectionResetError("reset"), E.ConnectionFailedError),
])
def test_specific_mappings(exc, cls):
    assert isinstance(map_transport_error(exc), cls)
