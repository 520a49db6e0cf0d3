"""A griffe extension for the API reference: the ``>>>`` examples in our docstrings become
fenced ``pycon`` blocks, so Markdown shows them as code (not as nested block quotes)."""

from __future__ import annotations

from typing import Any, List

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each run of ``>>>``/``...`` lines (and the output lines right after
    them, up to a blank line) wrapped in a fenced block, indentation kept."""
    out: List[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith(">>>"):
            out.append(lines[i])
            i += 1
            continue
        indent = lines[i][: len(lines[i]) - len(stripped)]
        block: List[str] = []
        while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
            block.append(lines[i][len(indent):])
            i += 1
        out += [f"{indent}```pycon", *(indent + line for line in block), f"{indent}```"]
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the ``>>>`` examples of every docstring griffe loads."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
