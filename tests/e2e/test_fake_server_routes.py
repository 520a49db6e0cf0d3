"""FakeProviderServer routes: suffixes and patterns, fixed replies and functions of the
request, any method; a route function that raises answers 500 instead of hanging."""

import re

import requests

from llmsdk.testing import FakeProviderServer, ScriptedReply


def test_routes_by_suffix_pattern_and_function(server: FakeProviderServer):
    calls = []

    def echo(request):
        calls.append((request.method, request.path, request.query, request.body))
        return ScriptedReply.json(201, {"method": request.method, "n": len(calls)})

    server.route("/v1/fixed", ScriptedReply.json(200, {"fixed": True}))
    server.route(re.compile(r"/v1/items(/\w+)?$"), echo)
    base = server.url
    assert requests.get(f"{base}/v1/fixed", timeout=5).json() == {"fixed": True}
    assert requests.post(f"{base}/v1/items", data=b"abc", timeout=5).json() == {"method": "POST", "n": 1}
    assert requests.delete(f"{base}/v1/items/x1?force=1", timeout=5).status_code == 201
    assert requests.put(f"{base}/v1/items/x1", data=b"", timeout=5).json()["method"] == "PUT"
    assert calls[1] == ("DELETE", "/v1/items/x1", "force=1", b"")
    assert requests.get(f"{base}/v1/other", timeout=5).status_code == 500  # nothing scripted


def test_a_failing_route_function_answers_500(server: FakeProviderServer):
    def broken(request):
        raise KeyError("oops")

    server.route("/v1/broken", broken)
    reply = requests.get(f"{server.url}/v1/broken", timeout=5)
    assert reply.status_code == 500 and "KeyError" in reply.json()["error"]["message"]
