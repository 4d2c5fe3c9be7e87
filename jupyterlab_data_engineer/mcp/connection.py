"""One live connection to one MCP server (a stdio process or a streamable-HTTP endpoint).

The SDK's transports and ``ClientSession`` are anyio context managers that must be
entered and left in the same task, so each connection owns a runner task that opens
them, reports readiness, and holds them open until asked to stop. Calls from request
handlers use the session from their own tasks (the session is task-safe for requests).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
import tempfile
import time
from typing import Any

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from .definitions import EnvFileState, ServerSpec, Substitution, parse_env_text, read_env_file
from .errors import McpFailure
from .results import Redactor, tail

_GROUPS = tuple(g for g in (getattr(builtins, "BaseExceptionGroup", None),) if g is not None)


def _describe(err: BaseException) -> str:
    """A readable one-liner of an exception, unwrapping anyio's exception groups."""
    while isinstance(err, _GROUPS) and getattr(err, "exceptions", None):
        err = err.exceptions[0]
    if isinstance(err, MCPError):
        return err.error.message
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class Connection:
    """State: starting -> running -> (stopping -> stopped | failed)."""

    def __init__(
        self,
        spec: ServerSpec,
        root_dir: str,
        inputs: dict[str, str],
        input_specs,
        *,
        start_timeout: float,
        env_file: EnvFileState | None = None,
    ):
        self.spec = spec
        # The envFile as read when trust was checked; the process gets exactly these bytes.
        self.env_file = env_file
        self.root_dir = root_dir
        self.start_timeout = start_timeout
        self.state = "starting"
        self.error: str | None = None
        self.error_kind: str | None = None
        self.tools: list[Any] = []
        self.server_info: dict[str, Any] = {}
        self.started_at = 0.0
        self.start_seconds = 0.0
        self.last_used = time.monotonic()
        self.active_calls = 0
        self._inputs = inputs
        self._input_specs = input_specs
        self._session: ClientSession | None = None
        self._stop = asyncio.Event()
        self._runner: asyncio.Task | None = None
        self._stderr = tempfile.TemporaryFile() if spec.type == "stdio" else None
        self.redact = Redactor()

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Open the transport and session, list the tools; raise McpFailure on failure."""
        started = time.monotonic()
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self._runner = asyncio.ensure_future(self._run(ready))
        try:
            await asyncio.wait_for(asyncio.shield(ready), self.start_timeout)
        except asyncio.TimeoutError:
            await self.stop()
            self._fail("start_failed", f"did not answer the MCP handshake within {self.start_timeout:g} s")
            raise McpFailure("start_failed", self.error or "", self.stderr_tail()) from None
        except McpFailure:
            raise
        except BaseException as err:  # the runner failed before it was ready
            if isinstance(err, asyncio.CancelledError):
                await self.stop()
                raise
            self._fail("start_failed", _describe(err))
            raise McpFailure("start_failed", self.error or "", self.stderr_tail()) from None
        self.start_seconds = time.monotonic() - started
        self.started_at = time.time()
        self.state = "running"

    async def _run(self, ready: asyncio.Future) -> None:
        try:
            async with contextlib.AsyncExitStack() as stack:
                read, write = await self._open_transport(stack)
                session = await stack.enter_async_context(ClientSession(read, write))
                init = await session.initialize()
                info = getattr(init, "server_info", None)
                self.server_info = info.model_dump(mode="json", exclude_none=True) if info is not None else {}
                tools: list[Any] = []
                cursor = None
                while True:
                    params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
                    page = await session.list_tools(params=params)
                    tools.extend(page.tools)
                    cursor = getattr(page, "next_cursor", None)
                    if not cursor or len(tools) > 1000:
                        break
                self.tools = tools
                self._session = session
                if not ready.done():
                    ready.set_result(None)
                await self._stop.wait()
        except BaseException as err:  # noqa: BLE001 - reported, never re-raised into the loop
            if not ready.done():
                ready.set_exception(err if isinstance(err, Exception) else RuntimeError(_describe(err)))
            elif not self._stop.is_set():
                self._fail("crashed", f"the connection ended: {_describe(err)}")
        finally:
            self._session = None
            if not ready.done():
                ready.set_exception(RuntimeError("the server closed the connection during the handshake"))

    async def _open_transport(self, stack: contextlib.AsyncExitStack):
        spec = self.spec
        sub = Substitution(self.root_dir, self._inputs, self._input_specs)
        secrets: list[str] = []
        if spec.type == "stdio":
            env: dict[str, str] = {}
            if spec.env_file and self.env_file is not None:
                if self.env_file.data is None:
                    raise RuntimeError(f"envFile {spec.env_file} cannot be read ({self.env_file.problem})")
                env.update(parse_env_text(self.env_file.data.decode("utf-8", "replace")))
            elif spec.env_file:
                env_path = sub(spec.env_file)
                if not os.path.isabs(env_path):
                    env_path = os.path.join(self.root_dir, env_path)
                try:
                    env.update(read_env_file(env_path))
                except OSError as err:
                    raise RuntimeError(f"envFile {spec.env_file} cannot be read ({err.strerror})") from None
            env.update({k: sub(v) for k, v in spec.env.items()})
            secrets += env.values()
            command = sub(spec.command)
            args = [sub(a) for a in spec.args]
            cwd = sub(spec.cwd) if spec.cwd else self.root_dir
            if not os.path.isabs(cwd):
                cwd = os.path.join(self.root_dir, cwd)
            secrets += sub.used_values
            self.redact = Redactor(secrets)
            params = StdioServerParameters(command=command, args=args, env=env, cwd=cwd)
            return await stack.enter_async_context(stdio_client(params, errlog=self._stderr))
        url = sub(spec.url)
        headers = {k: sub(v) for k, v in spec.headers.items()}
        secrets += headers.values()
        secrets += sub.used_values
        self.redact = Redactor(secrets)
        client = await stack.enter_async_context(create_mcp_http_client(headers=headers))
        return await stack.enter_async_context(streamable_http_client(url, http_client=client))

    async def stop(self) -> None:
        if self.state in ("running", "starting"):
            self.state = "stopping"  # no new calls from here on
        self._stop.set()
        runner, self._runner = self._runner, None
        if runner is not None and not runner.done():
            try:
                await asyncio.wait_for(asyncio.shield(runner), 10)
            except (asyncio.TimeoutError, Exception):
                runner.cancel()
        if self.state in ("running", "starting", "stopping"):
            self.state = "stopped"
        if self._stderr is not None and self.state == "stopped":
            self._stderr.close()
            self._stderr = None

    def dispose(self) -> None:
        """Release the stderr file (after stop, once the tail is no longer shown)."""
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _fail(self, kind: str, message: str) -> None:
        self.state = "failed"
        self.error_kind = kind
        self.error = self.redact.text(message)

    # -- calls -----------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float):
        session = self._session
        if session is None or self.state != "running":
            raise McpFailure("crashed", self.error or "the server is not running", self.stderr_tail())
        self.active_calls += 1
        self.last_used = time.monotonic()
        try:
            return await session.call_tool(tool, arguments, read_timeout_seconds=timeout)
        except MCPError as err:
            if err.error.code == REQUEST_TIMEOUT:
                raise McpFailure("timeout", f"the tool {tool} did not answer within {timeout:g} s") from None
            if err.error.code == CONNECTION_CLOSED:
                await self._crashed(f"the connection closed during a call of {tool}")
                raise McpFailure("crashed", self.error or "", self.stderr_tail()) from None
            # A protocol-level error (unknown tool, invalid params): the server lives on.
            raise McpFailure("tool_error", self.redact.text(err.error.message)) from None
        except (TimeoutError, asyncio.TimeoutError):
            raise McpFailure("timeout", f"the tool {tool} did not answer within {timeout:g} s") from None
        except Exception as err:  # transport failures
            await self._crashed(f"the call of {tool} failed: {_describe(err)}")
            raise McpFailure("crashed", self.error or "", self.stderr_tail()) from None
        finally:
            self.active_calls -= 1
            self.last_used = time.monotonic()

    async def _crashed(self, message: str) -> None:
        # The SDK keeps the process to itself (no exit code): the stderr tail tells the story.
        self._fail("crashed", message)
        self._stop.set()

    # -- reporting ---------------------------------------------------------------

    def stderr_tail(self) -> str:
        f = self._stderr
        if f is None:
            return ""
        try:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - 16_384))
            data = f.read().decode("utf-8", "replace")
            f.seek(0, os.SEEK_END)
        except (OSError, ValueError):
            return ""
        return tail(data, self.redact)
