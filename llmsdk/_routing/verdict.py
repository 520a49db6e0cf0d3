"""Whose fault a failure is: the deployment's (ask another one, and tell its breaker), the
request's (raise it, nobody else would answer better), or a prompt too long for this
group's window (only the groups named for that). Pure: an exception in, a ``Verdict`` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from llmsdk.errors import (
    AuthenticationError, BadRequestError, ContextWindowExceededError, InvalidRequestError, InvalidResponseCodeError,
    LLMError, PermissionDeniedError, StreamCancelledError, StructuredOutputError,
)
from llmsdk.types import LLMResponse

__all__ = ["DEPLOYMENT", "CONTEXT", "REQUEST", "Verdict", "content_reached", "judge"]

#: The deployment failed: move on, and count it against the deployment's breaker.
DEPLOYMENT = "deployment"
#: The prompt does not fit: only the groups named for it may answer.
CONTEXT = "context"
#: The request's own making (or the caller cancelled): raise it, breakers untouched.
REQUEST = "request"


@dataclass(frozen=True)
class Verdict:
    kind: str
    #: Open the deployment's breaker at once for this long (seconds): a ``Retry-After``,
    #: or ``cooldown`` for credentials or a spent quota that will not heal within a minute.
    #: None: the failure only counts toward ``allowed_fails``.
    open_for: Optional[float] = None


def judge(exc: LLMError, cooldown: float) -> Verdict:
    """The verdict on ``exc``, raised by one deployment's client."""
    if isinstance(exc, ContextWindowExceededError):
        return Verdict(CONTEXT)
    if isinstance(exc, (InvalidRequestError, BadRequestError, StreamCancelledError, StructuredOutputError)):
        return Verdict(REQUEST)
    if isinstance(exc, InvalidResponseCodeError):
        retry_after = exc.retry_after
        if retry_after is not None and retry_after > 0:
            return Verdict(DEPLOYMENT, float(retry_after))
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)) or exc.should_retry is False:
            # The request carries no credentials: a 401/403 is the deployment's key, and a
            # spent quota (insufficient_quota) is its account. Neither heals in a minute.
            return Verdict(DEPLOYMENT, cooldown)
    # 429, 5xx, overloaded, 404 (the deployment's model is not there), timeouts,
    # connection failures, broken or malformed streams, a deployment's unusable config.
    return Verdict(DEPLOYMENT)


def content_reached(exc: LLMError) -> bool:
    """Did content of this reply reach the caller (or get billed as output) before ``exc``?
    Then no other deployment may be asked: that would be a second answer."""
    partial = exc.partial_response
    return isinstance(partial, LLMResponse) and bool(partial.content)
