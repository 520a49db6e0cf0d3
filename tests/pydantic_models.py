"""A pydantic model shared by the tests that compare llmsdk's schemas with the official
SDKs' (skipped where pydantic is not installed)."""

from typing import Any, List, Literal, Optional

import pytest


def maths_model() -> Any:
    """``Maths``: nested models, an Optional field, a Literal with a default, a bound."""
    pydantic = pytest.importorskip("pydantic")

    class Step(pydantic.BaseModel):
        explanation: str
        output: str

    class Maths(pydantic.BaseModel):
        """Worked answer."""

        steps: List[Step]
        final_answer: str
        confidence: Optional[float] = None
        kind: Literal["exact", "estimate"] = "exact"
        n: int = pydantic.Field(default=0, ge=0)

    return Maths
