"""Region and auth for the services llmsdk reaches on AWS, resolved once per options.

Three services share it: the Bedrock runtime (SigV4 service ``bedrock``), Bedrock's
Anthropic Messages route on bedrock-mantle (``bedrock-mantle``), and Claude Platform on
AWS (``aws-external-anthropic``; PROVIDERS.md §9.3). A key means no signing; otherwise a
``SigV4Signer`` for the service is returned, for ``HttpClientOptions.signer``.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple

from llmsdk._core.secrets import SecretString
from llmsdk.errors import InvalidConfigError
from llmsdk.providers.bedrock.signing import SigV4Signer, profile_region

__all__ = ["AwsAuth", "aws_auth", "claude_platform_url", "mantle_url", "runtime_url"]

#: (region, key or None, signer or None)
AwsAuth = Tuple[str, Optional[str], Optional[SigV4Signer]]


def runtime_url(region: str) -> str:
    return f"https://bedrock-runtime.{region}.amazonaws.com"


def mantle_url(region: str) -> str:
    """Bedrock's Anthropic Messages API: the client appends ``/v1/messages``."""
    return f"https://bedrock-mantle.{region}.api.aws/anthropic"


def claude_platform_url(region: str) -> str:
    return f"https://aws-external-anthropic.{region}.api.aws"


def aws_auth(service: str, what: str, region: Optional[str], api_key: Any, credentials: Any,
             profile: Optional[str], api_base: Optional[str]) -> AwsAuth:
    """The region (argument, ``AWS_REGION``/``AWS_DEFAULT_REGION``, the profile's), and
    either the key or a SigV4 signer. ``what`` names the service in error messages."""
    key = api_key.expose_secret() if isinstance(api_key, SecretString) else api_key
    key = key.strip() if isinstance(key, str) and key.strip() else None
    sigv4 = key is None
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region and (sigv4 or profile is not None or api_base is None):
        region = profile_region(profile)  # reads ~/.aws/config through botocore
    if not region and api_base is None:
        raise InvalidConfigError(
            f"{what} needs an AWS region: pass region=, set AWS_REGION (or AWS_DEFAULT_REGION), "
            "or give the profile a region in ~/.aws/config")
    region = region or "us-east-1"  # an api_base alone (a proxy, a fake server): sign for us-east-1
    if not sigv4:
        if credentials is not None or profile is not None:
            raise InvalidConfigError(f"give {what} either api_key= or credentials=/profile=, not both")
        return region, key, None
    return region, None, SigV4Signer(region, service=service, credentials=credentials, profile=profile)
