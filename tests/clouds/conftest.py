"""Fixtures for the cloud tests: a Google token endpoint and a clean Google environment."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from llmsdk.testing import FakeProviderServer
from llmsdk.testing.clouds import GoogleTokenEndpoint


@pytest.fixture
def google_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ambient Google credentials or project: no gcloud config, no metadata server probe."""
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
                 "GOOGLE_API_KEY", "VERTEX_BASE_URL", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    yield


@pytest.fixture
def token_endpoint(server: FakeProviderServer) -> GoogleTokenEndpoint:
    return GoogleTokenEndpoint(server)
