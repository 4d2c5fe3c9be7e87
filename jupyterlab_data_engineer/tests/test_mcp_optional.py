"""`mcp` is an optional extra: without it the server extension loads and an MCP server fails clearly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, tempfile
    from pathlib import Path

    class NoMcp:  # as if `mcp` (and its `mcp_types`) were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("mcp", "mcp_types"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoMcp())

    import jupyterlab_data_engineer  # noqa: F401  (the extension entry point)
    from jupyterlab_data_engineer.mcp.errors import McpFailure
    from jupyterlab_data_engineer.mcp.handlers import mcp_handlers  # noqa: F401
    from jupyterlab_data_engineer.mcp.manager import McpManager
    from jupyterlab_data_engineer.mcp.trust import TrustStore
    from jupyterlab_data_engineer.routes import setup_route_handlers  # noqa: F401

    tmp = Path(tempfile.mkdtemp())
    manager = McpManager(
        root_dir=str(tmp),
        admin_servers={"servers": {"echo": {"type": "stdio", "command": sys.executable, "args": ["-c", "pass"]}}},
        workspace_enabled=False,
        trust_store=TrustStore(tmp / "trust.json"),
    )
    try:
        asyncio.run(manager.ensure("echo", {}))
    except McpFailure as failure:
        print(failure.kind)
        print(failure.message)
    assert not any(name.split(".")[0] in ("mcp", "mcp_types") for name in sys.modules)
    """
)


def test_server_extension_works_without_the_mcp_sdk():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    kind, message = out.stdout.strip().split("\n", 1)
    assert kind == "start_failed"
    assert "jupyterlab-data-engineer[mcp]" in message
