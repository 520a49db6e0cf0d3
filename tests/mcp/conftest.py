"""Fixtures for the MCP tests: real servers built with the official ``mcp`` package
(see ``_servers.py``)."""

from ._servers import http_demo, open_demo  # noqa: F401 - fixtures
