"""The package's imports run one way, bottom to top (DESIGN.md, "Imports run one way"):

    errors -> _core -> types/events/tools -> _structured, _catalog -> providers -> _engine
           -> _many, batches -> client, router -> __init__, cli

and there is no import cycle of any kind, function-level and ``TYPE_CHECKING`` imports
included. Walks the source with ``ast``, so a lazy import that closes a loop or runs back up
is caught even if no test happens to run it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

import llmsdk

PACKAGE = Path(llmsdk.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["llmsdk", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: Set[str]) -> Set[str]:
    """llmsdk modules ``path`` imports, wherever the import statement is (``TYPE_CHECKING``
    blocks included: a cycle there is still a cycle for readers and type checkers)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            for alias in node.names:  # ``from llmsdk.providers import base`` imports a module
                found.add(f"{base}.{alias.name}")
    return {m for m in found if m in modules and m != name}


def _graph() -> Dict[str, Set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) for name, path in paths.items()}


def _cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    cycles: List[List[str]] = []
    state: Dict[str, int] = {}
    stack: List[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


def _area(module: str) -> str:
    """The seam a module belongs to: its first component below ``llmsdk``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


#: ``_routing`` is the router's private package: at the router's level.
_ABOVE_CLIENT = {"client", "router", "_routing", "cli", "ray", "notebook", "testing", "mcp", "__init__", "__main__"}
_ENGINE_AND_UP = {"_engine", "_many", "batches", "client", "router", "_routing", "cli", "cache", "telemetry", "mcp",
                  "testing", "ray", "notebook", "__init__", "__main__", "config"}

#: area -> the areas it may import (besides itself). Areas not listed are only held to
#: "nothing below client imports client, router or cli" and to the absence of cycles.
ALLOWED: Dict[str, Set[str]] = {
    "errors": set(),
    "_core": {"errors"},
}
#: area -> the areas it must never import.
FORBIDDEN: Dict[str, Set[str]] = {
    "types": {"_structured", "_catalog", "models", "providers"} | _ENGINE_AND_UP,
    "events": {"_structured", "_catalog", "models", "providers"} | _ENGINE_AND_UP,
    "tools": {"_structured", "_catalog", "models", "providers"} | _ENGINE_AND_UP,
    "_structured": {"providers"} | _ENGINE_AND_UP,
    "_catalog": {"providers"} | _ENGINE_AND_UP,
    "models": {"providers"} | _ENGINE_AND_UP,
    "providers": _ENGINE_AND_UP,
    "client": {"router", "_routing"},  # the router is built on the client, never the reverse
    "_engine": {"_many", "batches", "client", "router", "_routing", "cli", "testing", "ray", "notebook", "__init__",
                "__main__"},
}


def violations(graph: Dict[str, Set[str]]) -> List[Tuple[str, str]]:
    """Every import that runs against the layering: ``(importer, imported)``."""
    found: List[Tuple[str, str]] = []
    for module, targets in graph.items():
        area = _area(module)
        for target in targets:
            other = _area(target)
            if other == area:
                continue
            if area in ALLOWED and other not in ALLOWED[area]:
                found.append((module, target))
            elif other in FORBIDDEN.get(area, ()):
                found.append((module, target))
            elif other in {"client", "router", "_routing", "cli"} and area not in _ABOVE_CLIENT:
                found.append((module, target))
    return sorted(found)


def test_the_walker_sees_function_level_and_type_checking_imports() -> None:
    graph = _graph()
    assert "llmsdk._many.tool_loop" in graph["llmsdk.client"]  # imported inside LLMClient.run_tools
    assert "llmsdk._engine.stream" in graph["llmsdk._many.map"]  # under TYPE_CHECKING


def test_no_import_cycles() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_imports_run_one_way() -> None:
    found = violations(_graph())
    assert not found, "imports against the layers:\n" + "\n".join(f"{a} -> {b}" for a, b in found)


@pytest.mark.parametrize("importer, imported", [
    ("llmsdk._core.content", "llmsdk.types"),             # _core imports only errors
    ("llmsdk._core.request", "llmsdk._structured.replies"),
    ("llmsdk._structured.replies", "llmsdk.providers.base"),
    ("llmsdk._catalog.registry", "llmsdk._engine.http"),
    ("llmsdk.providers.anthropic.client", "llmsdk._engine.http"),
    ("llmsdk.providers.base", "llmsdk.config"),
    ("llmsdk._engine.worker", "llmsdk._many.map"),
    ("llmsdk._engine.http", "llmsdk.batches"),
    ("llmsdk._many.map", "llmsdk.client"),
    ("llmsdk.batches.job", "llmsdk.cli"),
    ("llmsdk._many.map", "llmsdk._routing.state"),        # nothing below client imports the router's package
    ("llmsdk.client", "llmsdk._routing.verdict"),
])
def test_a_broken_rule_is_caught(importer: str, imported: str) -> None:
    graph = {module: set(targets) for module, targets in _graph().items()}
    assert not [v for v in violations(graph) if v[0] == importer]
    graph[importer].add(imported)
    assert (importer, imported) in violations(graph)


def test_a_type_checking_cycle_is_caught() -> None:
    graph = {module: set(targets) for module, targets in _graph().items()}
    graph["llmsdk._core.validate"].add("llmsdk._core.request")  # as before this round's layout
    assert _cycles(graph)


def test_private_packages_have_empty_inits() -> None:
    for init in PACKAGE.glob("_*/__init__.py"):
        assert init.read_text(encoding="utf-8").strip() == "", f"{init.relative_to(PACKAGE)} is not empty"
