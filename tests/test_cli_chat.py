"""``llmsdk chat`` and ``llmsdk count-tokens``: in-process through ``cli.main`` against
FakeProviderServer, and Ctrl-C in a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from typing import Any, List

import pytest

from llmsdk.cli import main
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic as A
from llmsdk.testing import openai as O

from .conftest import TEST_KEY, gated_sse, interrupt, popen_interruptible, stream_threads, wait_until


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "LLMSDK_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    monkeypatch.setattr(sys, "stdin", FakeStdin("", tty=False))
    return monkeypatch


def test_prompt_argument_streams_to_stdout(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    server.add_reply(A.text_reply("Hello from the model!", chunk=4))

    status = main(["chat", "--api-base", server.url, "-m", "claude-haiku-4-5", "--system", "Be brief",
                   "--max-tokens", "50", "--temperature", "0.2", "Say", "hello"])

    out, err = capsys.readouterr()
    assert status == 0
    assert out == "Hello from the model!\n"
    assert err == ""  # (the dropped temperature is logged on llmsdk.anthropic)
    body = server.requests[0].json
    assert body["messages"] == [{"role": "user", "content": "Say hello"}]
    assert (body["system"], body["max_tokens"], "temperature" in body) == ("Be brief", 50, False)
    assert server.requests[0].headers["x-api-key"] == TEST_KEY
    assert wait_until(lambda: not stream_threads())


def test_prompt_from_piped_stdin(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    env.setattr(sys, "stdin", FakeStdin("Summarise this\nplease\n", tty=False))
    server.add_reply(A.text_reply("Summary."))

    assert main(["chat", "--api-base", server.url]) == 0

    assert capsys.readouterr().out == "Summary.\n"
    assert server.requests[0].json["messages"] == [{"role": "user", "content": "Summarise this\nplease"}]


def test_json_prints_the_final_response(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    server.add_reply(A.text_reply("Hi", output_tokens=7))

    assert main(["chat", "--api-base", server.url, "--json", "hi"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["content"] == [{"type": "text", "text": "Hi"}]
    assert data["stop_reason"] == "end_turn" and data["usage"]["output_tokens"] == 7


SCHEMA = {"title": "Person", "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"]}


def test_schema_prints_the_parsed_object(env: Any, server: FakeProviderServer, capsys: Any, tmp_path: Any) -> None:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(SCHEMA))
    server.add_reply(A.json_reply({"name": "Ada", "age": 36}))

    assert main(["chat", "--api-base", server.url, "-m", "claude-haiku-4-5", "--schema", str(path), "Who?"]) == 0

    out, err = capsys.readouterr()
    assert json.loads(out) == {"name": "Ada", "age": 36} and err == ""
    sent = server.requests[0].json["output_config"]["format"]["schema"]
    assert sent["properties"] == SCHEMA["properties"] and sent["additionalProperties"] is False


@pytest.mark.parametrize("reply, message", [
    (lambda: A.refusal_reply(), "RefusalError: no Person: the model refused"),
    (lambda: A.text_reply("not json"), "OutputParseError: the reply is not valid JSON for Person"),
])
def test_schema_refusal_or_mismatch_is_one_line_and_exit_1(env: Any, server: FakeProviderServer, capsys: Any,
                                                            tmp_path: Any, reply: Any, message: str) -> None:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(SCHEMA))
    server.add_reply(reply())

    assert main(["chat", "--api-base", server.url, "--schema", str(path), "Who?"]) == 1

    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"llmsdk: error: {message}") and err.count("\n") == 1


def test_unreadable_schema_is_a_usage_error(env: Any, capsys: Any, tmp_path: Any) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    assert main(["chat", "--schema", str(path), "Who?"]) == 2
    assert "cannot read the schema" in capsys.readouterr().err


def test_verbose_reports_usage_and_cost_on_stderr(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    server.add_reply(A.text_reply("Hi", input_tokens=25, output_tokens=15, headers={"request-id": "req_123"}))

    assert main(["chat", "--api-base", server.url, "-m", "claude-haiku-4-5", "-v", "hi"]) == 0

    out, err = capsys.readouterr()
    assert out == "Hi\n"
    assert "25 in, 15 out" in err and "cost $" in err and "req_123" in err
    assert TEST_KEY not in err


def test_provider_is_taken_from_a_known_model(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    env.setenv("OPENAI_API_KEY", "sk-openai-test")
    server.add_reply(O.text_reply("From OpenAI"))

    assert main(["chat", "--api-base", server.url, "-m", "gpt-4o-mini", "hi"]) == 0

    assert capsys.readouterr().out == "From OpenAI\n"
    assert server.requests[0].path.endswith("/chat/completions")


@pytest.mark.parametrize("argv, variable", [
    (["chat", "hi"], "ANTHROPIC_API_KEY"),
    (["chat", "-p", "openai", "hi"], "OPENAI_API_KEY"),
    (["count-tokens", "-p", "gemini", "hi"], "GEMINI_API_KEY"),
])
def test_missing_key_is_one_line_and_exit_2(env: Any, capsys: Any, argv: List[str], variable: str) -> None:
    env.delenv("ANTHROPIC_API_KEY")
    env.delenv("GEMINI_API_KEY", raising=False)

    assert main(argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and variable in err and "Traceback" not in err


def test_api_error_is_one_line_and_exit_1(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    server.add_reply(A.error_reply(401, "authentication_error", "invalid x-api-key"))

    assert main(["chat", "--api-base", server.url, "hi"]) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AuthenticationError" in err and "invalid x-api-key" in err


def test_unknown_provider_is_a_usage_error(env: Any, capsys: Any) -> None:
    assert main(["chat", "-p", "nope", "hi"]) == 2
    assert "nope" in capsys.readouterr().err


def test_interactive_session_keeps_the_history(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    env.setattr(sys, "stdin", FakeStdin("My name is Ada.\n\nWhat is my name?\n/reset\nAnd now?\n", tty=True))
    server.add_reply(A.text_reply("Nice to meet you, Ada."), A.text_reply("Ada."), A.text_reply("I don't know."))

    assert main(["chat", "--api-base", server.url]) == 0

    out, err = capsys.readouterr()
    assert "Nice to meet you, Ada.\n" in out and "Ada.\n" in out and "I don't know.\n" in out
    assert "Ctrl-D" in err and "history cleared" in err
    turns = [len(r.json["messages"]) for r in server.requests]
    assert turns == [1, 3, 1]
    second = server.requests[1].json["messages"]
    assert second[1]["role"] == "assistant" and "Ada" in json.dumps(second[1])


def test_interactive_session_survives_an_api_error(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    env.setattr(sys, "stdin", FakeStdin("one\ntwo\n", tty=True))
    server.add_reply(A.error_reply(400, "invalid_request_error", "bad"), A.text_reply("Two."))

    assert main(["chat", "--api-base", server.url]) == 0

    out, err = capsys.readouterr()
    assert "BadRequestError" in err and "Two.\n" in out
    assert len(server.requests[1].json["messages"]) == 1  # the failed turn was dropped


def test_count_tokens(env: Any, server: FakeProviderServer, capsys: Any) -> None:
    server.route("/count_tokens", ScriptedReply.json(200, {"input_tokens": 42}))

    assert main(["count-tokens", "--api-base", server.url, "How", "long?"]) == 0
    assert capsys.readouterr().out == "42\n"
    assert main(["count_tokens", "--api-base", server.url, "--json", "-m", "claude-haiku-4-5", "x"]) == 0
    assert json.loads(capsys.readouterr().out) == {"provider": "anthropic", "model": "claude-haiku-4-5",
                                                   "input_tokens": 42}
    assert server.requests[0].path == "/v1/messages/count_tokens"


def test_count_tokens_needs_a_prompt(env: Any, capsys: Any) -> None:
    assert main(["count-tokens"]) == 2
    assert "no prompt" in capsys.readouterr().err


def _endless_reply(gate: threading.Event) -> ScriptedReply:
    """A story whose first words arrive and whose rest waits for ``gate`` (never opened)."""
    body: List[Any] = [A.message_start(),
                       A.event("content_block_start", index=0, content_block={"type": "text", "text": ""})]
    for i in range(3):
        body.append(A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"word{i} "}))
    body += [gate, A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": "THE END"}),
             *A.message_end()]
    return gated_sse(body)


def test_ctrl_c_stops_the_stream_cleanly(server: FakeProviderServer, gate: threading.Event) -> None:
    """A real process and a real SIGINT in the middle of a reply: exit 130, no traceback."""
    server.add_reply(_endless_reply(gate))
    env = {**os.environ, "ANTHROPIC_API_KEY": TEST_KEY, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    proc = popen_interruptible([sys.executable, "-m", "llmsdk", "chat", "--api-base", server.url, "tell me a story"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.read(5)  # blocks until the stream has started
        assert first == b"word0"
        _, err = interrupt(proc)  # the reply is held open: only the interrupt ends it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130
    assert b"[interrupted]" in err and b"Traceback" not in err
