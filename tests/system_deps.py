"""Tests that need a system package (chromium, redis-server) skip with a one-line reason
where it is missing, unless ``LLMSDK_REQUIRE_SYSTEM_DEPS=1`` (set by ``.ci/run``), which
makes a missing package a failure: CI must never pass by skipping them."""

from __future__ import annotations

import os

import pytest

REQUIRE_ENV = "LLMSDK_REQUIRE_SYSTEM_DEPS"


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def need(found: object, what: str) -> None:
    """Skip (or fail, under ``LLMSDK_REQUIRE_SYSTEM_DEPS=1``) unless ``found`` is truthy;
    ``what`` says what is missing and how to get it."""
    if found:
        return
    if required():
        pytest.fail(f"{what} ({REQUIRE_ENV}=1: missing system dependencies fail)", pytrace=False)
    pytest.skip(what)
