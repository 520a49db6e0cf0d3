"""Helpers for the example tests: load an example by path, run one as a script."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional

from llmsdk import HttpClientOptions, LLMClient, Timeouts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REPO = EXAMPLES.parent
FAKE_KEY = "sk-ant-fake-example-key"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>`` as a module (examples are not a package)."""
    path = EXAMPLES / name
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def fake_client(url: str) -> LLMClient:
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic(FAKE_KEY, api_base=url,
                                                                   timeouts=Timeouts(connect=5, read=10)))


def script_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment for running an example offline: no real keys, the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_script(args: List[str], timeout: float = 60, **kwargs: Any) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env=script_env(kwargs.pop("env", None)), cwd=kwargs.pop("cwd", str(REPO)), **kwargs)
