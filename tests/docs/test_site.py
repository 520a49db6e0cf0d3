"""The docs site builds with ``mkdocs build --strict`` (a broken link, a missing page or a
reference that does not resolve fails it), and its API reference lists every public name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import llmsdk
from llmsdk import errors

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "reference"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reference" / "index.html").exists()


def test_every_public_name_is_in_the_reference() -> None:
    documented = set(re.findall(r"^::: [\w.]+\.(\w+)\s*$", (REFERENCE / "index.md").read_text(encoding="utf-8"),
                                re.MULTILINE))
    assert "::: llmsdk.errors" in (REFERENCE / "errors.md").read_text(encoding="utf-8")
    documented |= set(errors.__all__)  # the errors page renders the whole module
    missing = [name for name in llmsdk.__all__ if name not in documented]
    assert missing == [], f"add these to docs/reference/index.md: {missing}"


def test_reference_entries_point_at_the_exported_objects() -> None:
    for path, name in re.findall(r"^::: ([\w.]+)\.(\w+)\s*$", (REFERENCE / "index.md").read_text(encoding="utf-8"),
                                 re.MULTILINE):
        assert llmsdk._EXPORTS.get(name) == path, f"{path}.{name}"
