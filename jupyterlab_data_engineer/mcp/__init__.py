"""The MCP bridge: MCP servers (stdio processes, streamable-HTTP endpoints) as tool sources.

Servers come from ``c.DataEngineer.mcp_servers`` (administrator, trusted) and the
workspace's ``.vscode/mcp.json`` (VS Code's format; stdio servers there need the user's
trust once per file content). They run here, in the Jupyter server, through the official
``mcp`` SDK; the browser only reaches them through the authenticated routes in
``handlers.py``, so their secrets (env, envFile, headers) never reach the page.
"""

from __future__ import annotations

import os
from pathlib import Path


def create_manager(web_app, config):
    """The manager for this Jupyter server (kept in ``web_app.settings`` for shutdown)."""
    from jupyter_core.paths import jupyter_data_dir

    from .manager import McpManager
    from .trust import TrustStore

    root_dir = web_app.settings.get("server_root_dir") or os.getcwd()
    manager = McpManager(
        root_dir=os.path.expanduser(root_dir),
        admin_servers=config.mcp_servers,
        workspace_enabled=config.mcp_workspace_servers,
        trust_store=TrustStore(Path(jupyter_data_dir()) / "jupyterlab_data_engineer" / "mcp-trust.json"),
        idle_timeout=config.mcp_idle_timeout,
        start_timeout=config.mcp_start_timeout,
        call_timeout=config.mcp_call_timeout,
        max_result_chars=config.mcp_max_result_chars,
    )
    web_app.settings["data_engineer_mcp"] = manager
    return manager


def stop_on_shutdown(server_app) -> None:
    """Stop every MCP server when the Jupyter server cleans up its extensions."""
    original = server_app.cleanup_extensions

    async def cleanup_extensions() -> None:
        manager = server_app.web_app.settings.get("data_engineer_mcp")
        if manager is not None:
            await manager.shutdown()
        await original()

    server_app.cleanup_extensions = cleanup_extensions
