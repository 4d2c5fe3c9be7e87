"""A real MCP server for the tests, written with the SDK's server side.

    python mcp_test_server.py            # stdio
    python mcp_test_server.py http PORT  # streamable HTTP on 127.0.0.1:PORT/mcp

Environment: MCP_TEST_MARKER (a file each start appends "start <pid>" to),
MCP_TEST_SECRET (a secret the server prints to stderr and the `leak_secret` tool returns,
so the tests can prove the bridge masks it), MCP_TEST_FAIL_START (exit at once).
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.utilities.types import Image
from mcp_types import EmbeddedResource, TextResourceContents

# A 1x1 PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

app = MCPServer("de-test")


@app.tool()
def echo(text: str) -> str:
    """Return the text, prefixed with "echo: "."""
    return "echo: " + text


@app.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@app.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    await asyncio.sleep(seconds)
    marker = os.environ.get("MCP_TEST_MARKER")
    if marker:  # a cancelled call never gets here
        with open(marker, "a") as f:
            f.write(f"slow-finished {seconds}\n")
    return f"slept {seconds}"


@app.tool()
def fail(reason: str = "it broke") -> str:
    """Always raises."""
    raise ValueError(reason)


@app.tool()
def crash() -> str:
    """Exit the process in the middle of a call."""
    print("about to crash", file=sys.stderr, flush=True)
    os._exit(3)


@app.tool()
def leak_secret() -> str:
    """Return the secret from the environment (the bridge must mask it)."""
    return "the secret is " + os.environ.get("MCP_TEST_SECRET", "<unset>") + " and " + os.environ.get("MCP_TEST_FILE_SECRET", "<unset>")


@app.tool()
def env_names() -> list[str]:
    """Names of the environment variables the server got."""
    return sorted(os.environ)


@app.tool()
def pixel() -> Image:
    """A 1x1 PNG image."""
    return Image(data=PIXEL, format="png")


@app.tool()
def document() -> list:
    """Some text and an embedded text resource."""
    return [
        "Here is the document:",
        EmbeddedResource(
            type="resource",
            resource=TextResourceContents(uri="file:///docs/readme.txt", mime_type="text/plain", text="README body"),
        ),
    ]


@app.tool()
def big(chars: int) -> str:
    """A long text."""
    return "x" * chars


def main() -> None:
    marker = os.environ.get("MCP_TEST_MARKER")
    if marker:
        with open(marker, "a") as f:
            f.write(f"start {os.getpid()}\n")
    secret = os.environ.get("MCP_TEST_SECRET")
    print(f"de-test starting (token {secret})", file=sys.stderr, flush=True)
    if os.environ.get("MCP_TEST_FAIL_START"):
        print("cannot start: missing configuration", file=sys.stderr, flush=True)
        sys.exit(2)
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        app.run()


if __name__ == "__main__":
    main()
