"""Where a batch job is: ``BatchStatus`` and ``BatchCounts``, plain values that the
backends build from each provider's job object and ``BatchJob`` reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from llmsdk._core.public_name import present_as_public

__all__ = ["BatchCounts", "BatchStatus"]


class BatchStatus(str, enum.Enum):
    """Where a job is. Compares equal to its value: ``job.status == "completed"``."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def done(self) -> bool:
        """The job will not change any more (results can be read)."""
        return self is not BatchStatus.IN_PROGRESS

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class BatchCounts:
    """Requests by state. ``failed`` counts errored, cancelled and expired requests.
    (Anthropic reports succeeded/failed only once the whole job has ended.)"""

    total: int = 0
    succeeded: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def done(self) -> int:
        return self.succeeded + self.failed


present_as_public(globals(), "BatchCounts", "BatchStatus")
