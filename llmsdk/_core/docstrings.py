"""Docstring parsing for tools built from functions: the summary and each parameter's
description, from Google, NumPy or Sphinx style docstrings."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

__all__ = ["Doc", "parse_docstring"]


@dataclass
class Doc:
    summary: str
    params: Dict[str, str]


_GOOGLE_SECTIONS = ("args", "arguments", "parameters", "params", "attributes", "keyword args",
                    "keyword arguments", "other parameters")
_ANY_SECTION = re.compile(
    r"^(args|arguments|parameters|params|attributes|keyword args|keyword arguments|other parameters|"
    r"returns?|yields?|raises|examples?|notes?|see also|warnings?|references|todo)\s*:?\s*$",
    re.IGNORECASE,
)
_SPHINX_PARAM = re.compile(r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")


def parse_docstring(doc: str) -> Doc:
    """The summary (text before the first section) and parameter descriptions."""
    lines = inspect.cleandoc(doc).splitlines() if doc else []
    summary_lines: List[str] = []
    params: Dict[str, str] = {}
    in_summary = True
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        numpy_header = i + 1 < len(lines) and _NUMPY_RULE.match(lines[i + 1]) is not None
        if numpy_header:
            in_summary = False
            section = stripped.lower()
            i = _numpy_section(lines, i + 2, params if section in _GOOGLE_SECTIONS else None)
            continue
        if _ANY_SECTION.match(stripped) and stripped.endswith(":"):
            in_summary = False
            section = stripped[:-1].strip().lower()
            i = _google_section(lines, i + 1, params if section in _GOOGLE_SECTIONS else None)
            continue
        if stripped.startswith(":"):
            in_summary = False
            i = _sphinx_field(lines, i, params)
            continue
        if in_summary:
            summary_lines.append(stripped)
        i += 1
    summary = "\n".join(summary_lines).strip()
    summary = re.sub(r"\n{3,}", "\n\n", summary)
    return Doc(summary=summary, params=params)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google_section(lines: List[str], i: int, params: Optional[Dict[str, str]]) -> int:
    """``name (type): text`` entries, continuation lines indented further."""
    base: Optional[int] = None
    current: Optional[str] = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        indent = _indent(line)
        if base is None:
            if indent == 0:
                return i
            base = indent
        if indent < base:
            return i
        if indent == base:
            match = re.match(r"^\s*\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", line)
            current = match.group(1) if match else None
            if match and params is not None:
                params[current] = match.group(2).strip()  # type: ignore[index]
        elif current is not None and params is not None:
            params[current] = (params[current] + " " + line.strip()).strip()
        i += 1
    return i


def _numpy_section(lines: List[str], i: int, params: Optional[Dict[str, str]]) -> int:
    """``name : type`` lines, each followed by an indented description."""
    current: List[str] = []
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _NUMPY_RULE.match(lines[i + 1]) and line.strip():
            return i  # the next section's header
        if not line.strip():
            i += 1
            continue
        if _indent(line) == 0:
            names = (n.strip().lstrip("*") for n in line.split(":", 1)[0].split(","))
            current = [n for n in names if re.match(r"^\w+$", n)]
            for name in current:
                if params is not None:
                    params[name] = ""
        elif params is not None:
            for name in current:
                params[name] = (params[name] + " " + line.strip()).strip()
        i += 1
    return i


def _sphinx_field(lines: List[str], i: int, params: Dict[str, str]) -> int:
    match = _SPHINX_PARAM.match(lines[i].strip())
    i += 1
    text = match.group(2).strip() if match else ""
    while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(":") and _indent(lines[i]) > 0:
        text = (text + " " + lines[i].strip()).strip()
        i += 1
    if match:
        params[match.group(1)] = text
    return i
