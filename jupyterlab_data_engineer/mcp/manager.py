"""All MCP servers of one Jupyter server: definitions, trust, connections, idle stop."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from .definitions import (
    MASK,
    WORKSPACE_FILE,
    Definitions,
    EnvFileState,
    ServerSpec,
    load_definitions,
    parse_env_text,
    shown_value,
    snapshot_env_file,
)
from .errors import McpFailure
from .results import DEFAULT_MAX_TEXT_CHARS, call_result, tool_list
from .trust import TrustStore

log = logging.getLogger(__name__)


class McpManager:
    def __init__(
        self,
        *,
        root_dir: str,
        admin_servers: Any,
        workspace_enabled: bool,
        trust_store: TrustStore,
        idle_timeout: float = 600.0,
        start_timeout: float = 30.0,
        call_timeout: float = 60.0,
        max_result_chars: int = DEFAULT_MAX_TEXT_CHARS,
    ):
        self.root_dir = os.path.abspath(root_dir)
        self.admin_servers = admin_servers
        self.workspace_enabled = workspace_enabled
        self.trust_store = trust_store
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.max_result_chars = max_result_chars
        self._connections: dict[str, Any] = {}  # name -> connection.Connection
        self._locks: dict[str, asyncio.Lock] = {}
        self._reaper: asyncio.Task | None = None
        self._closed = False
        self._defs_cache: tuple[Any, Definitions] | None = None

    # -- definitions and trust ---------------------------------------------------

    def definitions(self) -> Definitions:
        # Re-read when the workspace file changes (identity, size, mtime): every call checks,
        # so an edited file loses its trust at once, without parsing it on every call.
        try:
            st = os.stat(self.workspace_path)
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except OSError:
            stamp = None
        cached = self._defs_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        defs = load_definitions(self.admin_servers, self.root_dir, self.workspace_enabled)
        self._defs_cache = (stamp, defs)
        return defs

    @property
    def workspace_path(self) -> str:
        return str(Path(self.root_dir) / WORKSPACE_FILE)

    def env_files(self, defs: Definitions) -> dict[str, EnvFileState]:
        """The stdio servers' envFiles as they are now (read on every check: a file such as
        ``.env`` can change without ``mcp.json`` changing, e.g. by a ``git pull``)."""
        out: dict[str, EnvFileState] = {}
        for name, spec in defs.servers.items():
            state = None if spec.error else snapshot_env_file(spec, self.root_dir)
            if state is not None:
                out[name] = state
        return out

    def trust_binding(self, defs: Definitions, env_files: dict[str, EnvFileState]) -> str | None:
        """What trusting the workspace binds to: the exact bytes of mcp.json (so every command,
        args, cwd, env, url and header template) and the content of each workspace server's
        envFile. Any change gives another digest, and the user is asked again."""
        if not defs.workspace_hash:
            return None
        parts: list[Any] = [defs.workspace_hash]
        for name in sorted(env_files):
            if defs.servers[name].source == "workspace":
                parts.append([name, env_files[name].path, env_files[name].digest])
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def is_trusted(self, spec: ServerSpec, binding: str | None) -> bool:
        # Admin servers are trusted. Every workspace server needs the user's confirmation:
        # a stdio one runs a command, and an HTTP one makes this server connect to a URL from
        # a file (a cloned repository could aim it at an internal host, or send ${env:...}
        # values of this server in its headers).
        if spec.source == "admin":
            return True
        return self.trust_store.is_trusted(self.workspace_path, binding)

    def trust(self, digest: str) -> Definitions:
        """Trust the workspace servers if what they bind to still has ``digest`` (what the user saw)."""
        defs = self.definitions()
        if not self.workspace_enabled:
            raise McpFailure("disabled", "Workspace MCP servers are disabled on this Jupyter server.")
        if not defs.workspace_hash:
            raise McpFailure("unknown_server", f"There is no {WORKSPACE_FILE} in the server root.")
        if digest != self.trust_binding(defs, self.env_files(defs)):
            raise McpFailure(
                "changed",
                f"{WORKSPACE_FILE} or an envFile it names changed since it was shown; "
                "review the new version and confirm again.",
            )
        self.trust_store.trust(self.workspace_path, digest)
        return defs

    # -- listing -------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        defs = self.definitions()
        env_files = self.env_files(defs)
        binding = self.trust_binding(defs, env_files)
        servers = [self._describe_server(spec, binding, env_files) for spec in defs.servers.values()]
        return {
            "servers": servers,
            "inputs": [i.public() for i in defs.inputs.values()],
            "workspaceEnabled": self.workspace_enabled,
            "workspaceFile": WORKSPACE_FILE,
            # What POST trust must send back: the binding, not only the file's hash.
            "workspaceHash": binding,
            "problems": defs.problems,
        }

    def _describe_server(
        self, spec: ServerSpec, binding: str | None, env_files: dict[str, EnvFileState]
    ) -> dict[str, Any]:
        out = spec.public()
        out["trusted"] = self.is_trusted(spec, binding)
        out["inputIds"] = spec.input_ids()
        env_file = env_files.get(spec.name)
        if spec.source == "workspace" and env_file is not None:
            # What the envFile sets, as the trust dialog shows it (secret-looking values masked).
            if env_file.data is None:
                out["envFileProblem"] = f"{env_file.problem} ({env_file.path})"
            else:
                entries = parse_env_text(env_file.data.decode("utf-8", "replace"))
                # A file outside the workspace (say ~/.aws/credentials) shows its names only.
                inside = self._inside_root(env_file.path)
                out["envFileEntries"] = {
                    k: shown_value(k, v) if inside else MASK for k, v in list(entries.items())[:200]
                }
                if not inside:
                    out["envFileOutside"] = True
            out["envFileDigest"] = env_file.digest
        conn = self._connections.get(spec.name)
        if conn is not None and self._stale(conn, spec, env_file):
            conn = None  # the definition changed: the old process does not describe it
        if spec.error:
            out["status"] = "invalid"
        elif conn is None:
            out["status"] = "stopped"
        else:
            out["status"] = conn.state
            if conn.state == "running":
                out["tools"] = tool_list(conn.tools, conn.redact)
                out["startSeconds"] = round(conn.start_seconds, 3)
            if conn.error:
                out["error"] = {"kind": conn.error_kind, "message": conn.error}
            stderr = conn.stderr_tail()
            if stderr:
                out["stderrTail"] = stderr
        return out

    # -- connections -----------------------------------------------------------------

    async def ensure(self, name: str, inputs: dict[str, str], *, restart: bool = False) -> tuple[Any, Definitions]:
        """The running connection of ``name`` (starting it if needed); McpFailure otherwise."""
        if self._closed:
            raise McpFailure("stopped", "The Jupyter server is shutting down.")
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            defs = self.definitions()
            spec = defs.servers.get(name)
            if spec is None:
                raise McpFailure("unknown_server", f'No MCP server named "{name}" is configured.')
            if spec.error:
                raise McpFailure("invalid", f'The definition of "{name}" cannot be used: {spec.error}')
            # The envFile is read once, here: the bytes checked against the trust are the
            # bytes the process gets (no second read that a change could slip into).
            env_files = self.env_files(defs)
            env_file = env_files.get(name)
            if not self.is_trusted(spec, self.trust_binding(defs, env_files)):
                raise McpFailure(
                    "not_trusted",
                    f'The workspace MCP server "{name}" is defined in {WORKSPACE_FILE}; '
                    "it starts only after you trust that file and the envFiles it names "
                    "(any change to them asks again).",
                )
            missing = [i for i in spec.input_ids() if i not in inputs and (defs.inputs.get(i) is None or defs.inputs[i].default is None)]
            conn = self._connections.get(name)
            stale = conn is not None and self._stale(conn, spec, env_file)
            if conn is not None and conn.state == "running" and not restart and not stale:
                return conn, defs
            if conn is not None and conn.state == "failed" and not restart and not stale:
                raise McpFailure(conn.error_kind or "crashed", conn.error or "failed", conn.stderr_tail())
            if missing:
                raise McpFailure("needs_inputs", "Values are needed for: " + ", ".join(missing))
            if conn is not None:
                await conn.stop()
                conn.dispose()
            try:
                from .connection import Connection  # the SDK loads on first use
            except ImportError as err:
                raise McpFailure(
                    "start_failed",
                    f"The MCP SDK cannot be loaded in the Jupyter server's environment ({err}). "
                    "Install it there (pip install 'jupyterlab-data-engineer[mcp]') and restart the Jupyter server.",
                ) from None

            conn = Connection(
                spec, self.root_dir, dict(inputs), defs.inputs, start_timeout=self.start_timeout, env_file=env_file
            )
            self._connections[name] = conn
            self._ensure_reaper()
            log.info("jupyterlab_data_engineer: starting MCP server %r (%s)", name, spec.type)
            await conn.start()
            return conn, defs

    async def list_tools(self, name: str, inputs: dict[str, str], restart: bool = False) -> dict[str, Any]:
        conn, defs = await self.ensure(name, inputs, restart=restart)
        conn.last_used = time.monotonic()
        env_files = self.env_files(defs)
        return self._describe_server(conn.spec, self.trust_binding(defs, env_files), env_files)

    def _inside_root(self, path: str) -> bool:
        real = os.path.realpath(path)
        root = os.path.realpath(self.root_dir)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    @staticmethod
    def _stale(conn: Any, spec: ServerSpec, env_file: EnvFileState | None) -> bool:
        """The running process was started from another definition or another envFile content."""
        started_with = getattr(conn, "env_file", None)
        return conn.spec.fingerprint() != spec.fingerprint() or (
            (started_with.digest if started_with is not None else None)
            != (env_file.digest if env_file is not None else None)
        )

    async def call(self, name: str, tool: str, arguments: dict[str, Any], inputs: dict[str, str]) -> dict[str, Any]:
        conn, _ = await self.ensure(name, inputs)
        started = time.perf_counter()
        result = await conn.call(tool, arguments, self.call_timeout)
        out = call_result(result, conn.redact, self.max_result_chars)
        out["durationMs"] = round((time.perf_counter() - started) * 1000, 2)
        return out

    def failure_details(self, name: str) -> dict[str, Any]:
        conn = self._connections.get(name)
        return {"stderrTail": conn.stderr_tail()} if conn is not None else {}

    # -- idle stop and shutdown ----------------------------------------------------------

    def _ensure_reaper(self) -> None:
        if self.idle_timeout <= 0:
            return  # never stopped for idleness
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.ensure_future(self._reap())

    async def _reap(self) -> None:
        interval = max(0.2, min(30.0, self.idle_timeout / 4))
        while not self._closed:
            await asyncio.sleep(interval)
            await self.stop_idle()

    async def stop_idle(self) -> list[str]:
        """Stop the running servers unused for ``idle_timeout`` seconds; their names."""
        if self.idle_timeout <= 0:
            return []
        def idle(conn) -> bool:
            return (
                conn.state == "running"
                and conn.active_calls == 0
                and time.monotonic() - conn.last_used >= self.idle_timeout
            )

        stopped = []
        for name, conn in list(self._connections.items()):
            if not idle(conn):
                continue
            # Under the server's lock, so a call arriving now waits and then starts it again.
            async with self._locks.setdefault(name, asyncio.Lock()):
                if self._connections.get(name) is conn and idle(conn):
                    log.info("jupyterlab_data_engineer: stopping idle MCP server %r", name)
                    await conn.stop()
                    stopped.append(name)
        return stopped

    async def shutdown(self) -> None:
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
        conns = list(self._connections.values())
        await asyncio.gather(*(c.stop() for c in conns), return_exceptions=True)
        for conn in conns:
            conn.dispose()
        self._connections.clear()
