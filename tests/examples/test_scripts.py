"""Every file in examples/ is run by the tests: plain scripts here, offline (no keys);
the Flask app, the Django project and the notebook in their own test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._helpers import EXAMPLES, run_script

# Run elsewhere: a server, a project, a notebook.
COVERED_ELSEWHERE = {
    "flask_app.py": "tests/examples/test_flask_app.py",
    "django_app": "tests/examples/test_django_app.py",
    "quickstart.ipynb": "tests/test_notebook.py",
}
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name not in COVERED_ELSEWHERE)


def test_every_example_is_covered() -> None:
    entries = {p.name for p in EXAMPLES.iterdir() if not p.name.startswith((".", "__"))}
    assert entries == set(SCRIPTS) | set(COVERED_ELSEWHERE)
    root = Path(__file__).resolve().parents[2]
    assert all((root / test).exists() for test in COVERED_ELSEWHERE.values())


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_offline(name: str) -> None:
    result = run_script([str(EXAMPLES / name)], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_quickstart_output() -> None:
    result = run_script([str(EXAMPLES / "quickstart.py")])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "offline mode" in out
    assert "complete(): Hello!" in out
    assert "Threads share memory; processes do not." in out
    assert "run_tools(): It is 18°C and sunny in Paris. (4 messages)" in out
    assert "cost:  $" in out
