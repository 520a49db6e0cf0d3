"""The examples' chat pages in headless Chromium: Flask (threaded WSGI) and Django (ASGI
under uvicorn), each with a FakeProviderServer behind it.

The answer renders as it streams and completely; closing the tab, going to another page
or pressing Stop closes the upstream stream (the fake provider sees the disconnect) and
ends the worker thread; the model's text is shown as text, never run; errors become
visible messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest

from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic as A

from ..conftest import stream_threads, wait_until
from .sites import Site

ANSWER = "Streaming is when the words arrive one small piece at a time, and the page shows each."

#: Records (state, text length) of the newest answer after every change to the log.
OBSERVE = """
window.__seen = [];
new MutationObserver(() => {
  const all = document.querySelectorAll("#log .assistant"), out = all[all.length - 1];
  if (out) window.__seen.push([out.dataset.state, out.textContent.length]);
}).observe(document.getElementById("log"), {childList: true, subtree: true, characterData: true, attributes: true});
"""

LAST_ANSWER = """
const all = document.querySelectorAll("#log .assistant"), out = all[all.length - 1];
return out ? [out.dataset.state, out.textContent] : null;
"""


def endless_reply() -> ScriptedReply:
    """~25 s of words unless somebody stops it."""
    return A.text_reply("".join(f"w{i} " for i in range(2000)), chunk=4).with_pauses(0.01)


def start_an_endless_answer(browser: Any, server: FakeProviderServer) -> int:
    """Ask, wait for the first words; the ``llmsdk-stream-*`` thread count before."""
    baseline = len(stream_threads())
    server.add_reply(endless_reply())
    ask(browser, "Tell me everything")
    wait_for_text(browser)
    assert len(stream_threads()) == baseline + 1
    return baseline


def ask(browser: Any, prompt: str) -> None:
    browser.find_element("id", "q").send_keys(prompt)
    browser.find_element("id", "send").click()


def last_answer(browser: Any) -> Optional[Tuple[str, str]]:
    found = browser.execute_script(LAST_ANSWER)
    return (found[0], found[1]) if found else None


def wait_for_state(browser: Any, *states: str, timeout: float = 15) -> Tuple[str, str]:
    assert wait_until(lambda: (last_answer(browser) or ("", ""))[0] in states, timeout=timeout, interval=0.05), \
        f"the answer never reached {states}: {last_answer(browser)}"
    answer = last_answer(browser)
    assert answer is not None
    return answer


def wait_for_text(browser: Any, timeout: float = 15) -> None:
    assert wait_until(lambda: bool((last_answer(browser) or ("", ""))[1]), timeout=timeout, interval=0.05), \
        "no text arrived"


def page_text(browser: Any, css: str) -> List[str]:
    return [e.text for e in browser.find_elements("css selector", css) if e.is_displayed()]


def test_the_answer_streams_into_the_page(browser: Any, server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_reply(A.text_reply(ANSWER, chunk=6, output_tokens=21).with_pauses(0.05))  # ~1 s
    browser.execute_script(OBSERVE)

    ask(browser, "What is streaming?")

    state, text = wait_for_state(browser, "done", "error", "stopped")
    assert (state, text) == ("done", ANSWER)
    seen = browser.execute_script("return window.__seen")
    partial = sorted({length for state, length in seen if state == "streaming" and 0 < length < len(ANSWER)})
    assert len(partial) >= 3, seen  # it grew, piece by piece, before the end
    assert page_text(browser, "#log .user") == ["What is streaming?"]
    assert any("21 out" in t for t in page_text(browser, "#log .meta"))
    assert browser.find_element("id", "send").is_enabled() and not browser.find_element("id", "stop").is_enabled()
    shot = tmp_path / "finished-answer.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000
    assert wait_until(lambda: not stream_threads(), timeout=10)


@pytest.mark.parametrize("leave", ["close the tab", "go to another page"])
def test_leaving_the_page_closes_the_upstream_stream(browser: Any, server: FakeProviderServer, site: Site,
                                                     leave: str) -> None:
    baseline = start_an_endless_answer(browser, server)

    if leave == "close the tab":
        page = browser.current_window_handle
        browser.switch_to.new_window("tab")  # keep the session alive
        other = browser.current_window_handle
        browser.switch_to.window(page)
        browser.close()
        browser.switch_to.window(other)
    else:  # the page's pagehide handler aborts the request (else the back/forward cache may keep it open)
        browser.get("about:blank")

    assert server.wait_for_disconnect(timeout=10), f"the upstream stream was never closed; the server saw {site.log}"
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)


def test_the_stop_button_closes_the_upstream_stream(browser: Any, server: FakeProviderServer, site: Site) -> None:
    baseline = start_an_endless_answer(browser, server)
    browser.find_element("id", "stop").click()

    state, text = wait_for_state(browser, "stopped", "done", "error")
    assert state == "stopped" and text.startswith("w0 ")
    assert server.wait_for_disconnect(timeout=10), f"the upstream stream was never closed; the server saw {site.log}"
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)
    server.add_reply(A.text_reply("Still here.", chunk=4))  # the page is usable again
    ask(browser, "Are you there?")
    assert wait_for_state(browser, "done", "error") == ("done", "Still here.")


def test_model_text_is_shown_as_text_never_run(browser: Any, server: FakeProviderServer) -> None:
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> <b>bold?</b>'
    server.add_reply(A.text_reply(evil, chunk=7))

    ask(browser, "<i>hello</i>")

    assert wait_for_state(browser, "done", "error") == ("done", evil)
    assert browser.execute_script("return window.__pwned") is None
    assert browser.find_elements("css selector", "#log script, #log img, #log b, #log i") == []
    assert page_text(browser, "#log .user") == ["<i>hello</i>"]
    assert evil in page_text(browser, "#log .assistant")[0]


def test_an_error_mid_stream_is_shown(browser: Any, server: FakeProviderServer) -> None:
    server.add_reply(A.stream_error_reply("overloaded_error", "Overloaded", text_before="Partial answer"))

    ask(browser, "hi")

    assert wait_for_state(browser, "error", "done") == ("error", "Partial answer")
    errors = page_text(browser, "#log .error[role=alert]")
    assert len(errors) == 1 and "OverloadedError" in errors[0] and "Overloaded" in errors[0]


def test_an_error_before_the_stream_is_shown(browser: Any, server: FakeProviderServer) -> None:
    server.add_reply(A.error_reply(401, "authentication_error", "invalid key"))

    ask(browser, "hi")

    assert wait_for_state(browser, "error", "done") == ("error", "")
    errors = page_text(browser, "#log .error[role=alert]")
    assert len(errors) == 1 and errors[0].startswith("AuthenticationError: ") and "401" in errors[0]
