"""Failures of the MCP bridge (kept free of SDK imports: the routes load without the SDK)."""

from __future__ import annotations


class McpFailure(Exception):
    """A server-level failure with a kind the browser shows (start_failed, crashed, timeout...)."""

    def __init__(self, kind: str, message: str, stderr_tail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.stderr_tail = stderr_tail
