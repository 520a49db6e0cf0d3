"""Every Python block in README.md and docs/ runs, offline.

A page's ```python blocks run in order in one namespace, in a temporary working directory,
with ``<PROVIDER>_API_KEY`` / ``<PROVIDER>_BASE_URL`` pointing every built-in provider at a
fresh echo server (``llmsdk.testing.every_provider``), so ``LLMClient.from_env(...)`` answers.
Markers, as HTML comments on the line right above a fence (invisible on the site):

- ``<!-- docs-test: skip -->`` — the block needs what CI has not (real cloud credentials).
- ``<!-- docs-test: fragment -->`` — an excerpt that cannot stand alone (a guide walking
  through a file that is tested whole elsewhere).
- A page's functions named ``test_*`` (the "Testing your application" examples) are called
  after its last block, as pytest would.
- ``<!-- docs-test: output -->`` above a ```text block — the stdout of the Python block
  right before it must equal that text.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

from llmsdk.testing import FakeProviderServer
from llmsdk.testing.every_provider import provider_env, serve_every_provider

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])

_FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[\w+-]*)[^\n]*$")
_MARK = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<mark>[\w-]+)\s*-->\s*$")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    mark: Optional[str]
    expected_output: Optional[str] = None


def blocks_of(text: str) -> List[Block]:
    """The fenced blocks of a Markdown page, with the marker above each (if any)."""
    lines = text.splitlines()
    found: List[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent = len(opening.group("indent"))
        start, body = i, []
        i += 1
        while i < len(lines) and not re.match(r"^[ ]*```\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        above = _MARK.match(lines[start - 1]) if start else None
        found.append(Block(opening.group("lang").lower(), "\n".join(body) + "\n", start + 1,
                           above.group("mark") if above else None))
        i += 1
    for before, after in zip(found, found[1:]):
        if after.mark == "output" and before.lang in ("python", "py"):
            before.expected_output = after.code
    return found


def python_blocks(page: Path) -> List[Block]:
    return [b for b in blocks_of(page.read_text(encoding="utf-8"))
            if b.lang in ("python", "py") and b.mark not in ("skip", "fragment")]


@contextlib.contextmanager
def _offline_registry(url: str) -> Iterator[Callable[[], None]]:
    """Point every provider at ``url`` (call the yielded function again after a block that
    registers providers), and leave the environment and the registries as they were."""
    from llmsdk.models import all_models, unregister_model
    from llmsdk.providers import all_providers, unregister_provider

    providers = {p.config_key() for p in all_providers()}
    models = {id(m) for m in all_models()}
    saved: Dict[str, Optional[str]] = {}

    def refresh() -> None:
        for name, value in provider_env(url).items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    refresh()
    try:
        yield refresh
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for provider in all_providers():
            if provider.config_key() not in providers:
                unregister_provider(provider)
        for model in all_models():
            if id(model) not in models:
                unregister_model(model)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(page)
    if not blocks:
        return
    monkeypatch.chdir(tmp_path)
    page_module = types.ModuleType("llmsdk_docs_page")  # a real module: dataclasses and type hints look it up
    monkeypatch.setitem(sys.modules, page_module.__name__, page_module)
    namespace = page_module.__dict__
    from llmsdk._telemetry import settings as telemetry

    for name in ("_enabled", "_capture", "_instruments", "_providers"):  # a page may configure telemetry
        monkeypatch.setattr(telemetry, name, getattr(telemetry, name))  # (monkeypatch puts it back after)
    with FakeProviderServer() as server, _offline_registry(server.url) as refresh:
        serve_every_provider(server)
        for block in blocks:
            refresh()  # providers an earlier block registered talk to the fake server too
            where = f"{page.relative_to(REPO)}:{block.line}"
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(block.code, where, "exec"), namespace)  # noqa: S102 - the docs' own code
            except Exception as exc:  # noqa: BLE001 - report which block failed, with its error
                pytest.fail(f"the block at {where} raised {type(exc).__name__}: {exc}\n---\n{block.code}")
            if block.expected_output is not None:
                assert out.getvalue().strip() == block.expected_output.strip(), f"output of the block at {where}"
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value) and getattr(value, "__module__", None) == page_module.__name__:
                value()


def test_the_markers_are_read() -> None:
    page = "\n".join([
        "```python", "print('a')", "```",
        "<!-- docs-test: output -->", "```text", "a", "```",
        "<!-- docs-test: skip -->", "```python", "raise SystemExit", "```",
        "  ```python", "  x = 1", "  ```",
    ])
    found = blocks_of(page)
    assert [(b.lang, b.mark) for b in found] == [("python", None), ("text", "output"), ("python", "skip"),
                                                 ("python", None)]
    assert found[0].expected_output == "a\n" and found[3].code == "x = 1\n"
