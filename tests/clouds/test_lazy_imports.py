"""The cloud auth libraries are optional extras, imported on first use only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
CLOUD = ("azure.identity", "azure.core", "msal", "google.auth", "google.oauth2", "google.genai")
def loaded():
    return sorted(m for m in sys.modules if m.startswith(CLOUD))
import llmsdk
steps = {"import": loaded()}
from llmsdk import HttpClientOptions, LLMClient
LLMClient.new(HttpClientOptions.new_azure_openai("http://127.0.0.1:9", "k"))
LLMClient.new(HttpClientOptions.new_azure_openai("http://127.0.0.1:9"))          # Entra ID, not used yet
LLMClient.new(HttpClientOptions.new_vertex("p", token_provider=lambda: "t"))
LLMClient.new(HttpClientOptions.new_vertex("p"))                                  # ADC, not used yet
LLMClient.new(HttpClientOptions.new_vertex(api_key="k"))
steps["clients"] = loaded()
print(json.dumps(steps))
"""


def test_import_llmsdk_and_building_cloud_clients_load_no_cloud_library() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NO_GCE_CHECK": "True"})
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)
    assert steps == {"import": [], "clients": []}
