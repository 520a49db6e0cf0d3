"""What ``HttpClientOptions.new_vertex`` checks and keeps (pure, no network): project,
location, the host they imply, and where tokens come from.

A missing project, location or credential is an ``InvalidConfigError`` that names it and
says how to set it. A service-account file is read here, so a path that is not JSON
fails at construction; ADC is only looked up on first use.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple, Union

from llmsdk._core.secrets import SecretString
from llmsdk._core.urls import validate_api_base
from llmsdk.errors import InvalidConfigError
from llmsdk.providers.anthropic.versions import check_version
from llmsdk.providers.vertex.credentials import GoogleCredentials

__all__ = ["DEFAULT_LOCATION", "host_for", "vertex_settings"]

DEFAULT_LOCATION = "global"
CLAUDE_MANAGED_HOST = "https://claude.googleapis.com"
_PROJECT_HINT = "pass project= or set GOOGLE_CLOUD_PROJECT"


def host_for(location: str) -> str:
    """``global`` -> ``aiplatform.googleapis.com``; the multi-regions ``us``/``eu`` ->
    ``aiplatform.{us,eu}.rep.googleapis.com``; a region -> ``{region}-aiplatform...``."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    if location in ("us", "eu"):
        return f"https://aiplatform.{location}.rep.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def _service_account(credentials: Union[str, "os.PathLike[str]", Dict[str, Any]]) -> Dict[str, Any]:
    """A service-account key as a dict (from a dict or a JSON file path)."""
    if isinstance(credentials, dict):
        info = credentials
    else:
        path = os.fspath(credentials)
        try:
            with open(path, encoding="utf-8") as handle:
                info = json.load(handle)
        except OSError as exc:
            raise InvalidConfigError(f"cannot read the Google credentials file {path!r}: {exc.strerror}") from exc
        except ValueError as exc:
            raise InvalidConfigError(f"the Google credentials file {path!r} is not JSON "
                                     "(expected a service-account key downloaded from the console)") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account" or "private_key" not in info:
        raise InvalidConfigError("credentials must be a service-account key (type 'service_account' with a "
                                 "private_key), a google-auth Credentials object, or a path to a key file")
    return info


def vertex_settings(project: Optional[str], location: Optional[str], *, credentials: Any, token_provider: Any,
                    api_key: Union[str, SecretString, None], api_base: Optional[str],
                    anthropic_version: Optional[str], workspace: Optional[str]) -> Tuple[str, Dict[str, Any]]:
    """``(api_base, settings)`` for the options; ``InvalidConfigError`` naming what is missing."""
    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or None
    location = location or os.environ.get("GOOGLE_CLOUD_LOCATION") or DEFAULT_LOCATION
    if not isinstance(location, str) or not location.replace("-", "").isalnum():
        raise InvalidConfigError(f"location must be a Google Cloud region like 'us-central1' or 'global' "
                                 f"(or set GOOGLE_CLOUD_LOCATION), got {location!r}")
    settings: Dict[str, Any] = {"location": location}
    given = sum(x is not None for x in (credentials, token_provider, api_key))
    if given > 1:
        raise InvalidConfigError("give one of credentials=, token_provider= and api_key= for Vertex AI")
    if api_key is not None:  # express mode: Gemini only, global host, no project in the path
        settings["express"] = True
        return validate_api_base(api_base or host_for("global")), settings
    if credentials is not None and not (hasattr(credentials, "refresh") and hasattr(credentials, "token")):
        info = _service_account(credentials)
        credentials = info
        project = project or info.get("project_id")
    elif credentials is not None:
        project = project or getattr(credentials, "project_id", None) or getattr(credentials, "quota_project_id", None)
    if project is None and token_provider is not None:
        raise InvalidConfigError(f"Vertex AI needs a project with a token_provider: {_PROJECT_HINT}")
    if project is not None and (not isinstance(project, str) or not project.strip()):
        raise InvalidConfigError(f"project must be a Google Cloud project id ({_PROJECT_HINT}), got {project!r}")
    settings["project"] = project.strip() if project else None  # None: ADC's project, on first use
    if token_provider is None:  # a holder that builds google-auth credentials (ADC if None) on first use
        settings["google_credentials"] = GoogleCredentials(credentials)
    if anthropic_version is not None:  # "2023-06-01" pins vertex-2023-10-16 (anthropic/versions.py)
        settings["anthropic_version"] = check_version(anthropic_version)
    if workspace is not None:
        if not isinstance(workspace, str) or not workspace.strip():
            raise InvalidConfigError(f"workspace must be an Anthropic workspace id, got {workspace!r}")
        settings["workspace"] = workspace.strip()
        settings["claude_base"] = validate_api_base(api_base) if api_base else CLAUDE_MANAGED_HOST
    return validate_api_base(api_base or host_for(location)), settings
