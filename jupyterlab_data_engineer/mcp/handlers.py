"""Routes of the MCP bridge under ``{base_url}/data-engineer/mcp/``.

* ``GET  servers``                  definitions, trust, status, tools of running servers
* ``POST servers/<name>/start``     start (if needed) and list tools   body: {inputs}
* ``POST servers/<name>/restart``   stop and start again               body: {inputs}
* ``POST servers/<name>/call``      call a tool  body: {tool, arguments, inputs}
* ``POST trust``                    trust the workspace file           body: {hash}

All authenticated (token or cookie + XSRF, as every Jupyter API route). ``inputs`` are
values the user typed for ``${input:...}`` variables; they live in the browser's session
and are only used to start a server, never stored or echoed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .definitions import NAME_RE
from .errors import McpFailure
from .manager import McpManager

# HTTP status per failure kind.
_STATUS = {
    "unknown_server": 404,
    "invalid": 400,
    "needs_inputs": 400,
    "bad_request": 400,
    "not_trusted": 403,
    "disabled": 403,
    "changed": 409,
    "start_failed": 502,
    "crashed": 502,
    "tool_error": 502,
    "timeout": 504,
    "stopped": 503,
}

SERVER_NAME = r"([A-Za-z0-9][A-Za-z0-9_.-]{0,63})"


class _McpHandler(APIHandler):
    auth_resource = "data-engineer"

    def initialize(self, manager: McpManager) -> None:
        self.manager = manager

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Cache-Control", "no-store")

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise McpFailure("bad_request", "The request body is not JSON.") from None
        if not isinstance(data, dict):
            raise McpFailure("bad_request", "The request body must be a JSON object.")
        return data

    def inputs(self, data: dict[str, Any]) -> dict[str, str]:
        raw = data.get("inputs") or {}
        if not isinstance(raw, dict):
            raise McpFailure("bad_request", '"inputs" must be an object of strings.')
        return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float))}

    def fail(self, name: str | None, err: McpFailure) -> None:
        self.set_status(_STATUS.get(err.kind, 500))
        error: dict[str, Any] = {"kind": err.kind, "message": err.message}
        if err.stderr_tail:
            error["stderrTail"] = err.stderr_tail
        self.finish(json.dumps({"error": error, "server": name}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Jupyter's own refusals (403 without auth/XSRF, 405) in this route's shape.
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        message = self._reason or "Error"
        if isinstance(error, tornado.web.HTTPError) and error.log_message:
            message = error.log_message % error.args if error.args else error.log_message
        elif error is not None and not isinstance(error, tornado.web.HTTPError):
            message = "Internal error in the jupyterlab-data-engineer MCP bridge."
        self.finish(json.dumps({"error": {"kind": "http", "message": message}}))


class ServersHandler(_McpHandler):
    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps(self.manager.describe()))


class ServerActionHandler(_McpHandler):
    _call: asyncio.Future | None = None

    def on_connection_close(self) -> None:
        # The browser went away (Stop): cancel the tool call, so the server is told too.
        if self._call is not None and not self._call.done():
            self._call.cancel()

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str, action: str) -> None:
        try:
            if not NAME_RE.match(name):
                raise McpFailure("unknown_server", "Not a valid MCP server name.")
            data = self.body()
            inputs = self.inputs(data)
            if action == "call":
                tool = data.get("tool")
                arguments = data.get("arguments") or {}
                if not isinstance(tool, str) or not tool:
                    raise McpFailure("bad_request", '"tool" must name a tool of the server.')
                if not isinstance(arguments, dict):
                    raise McpFailure("bad_request", '"arguments" must be an object.')
                self._call = asyncio.ensure_future(self.manager.call(name, tool, arguments, inputs))
                try:
                    result = await self._call
                except asyncio.CancelledError:
                    if self.request.connection.stream is not None and not self.request.connection.stream.closed():
                        raise
                    return  # nobody is waiting for the answer
                self.finish(json.dumps({"server": name, "tool": tool, "result": result}))
                return
            described = await self.manager.list_tools(name, inputs, restart=action == "restart")
            self.finish(json.dumps({"server": described}))
        except McpFailure as err:
            self.fail(name, err)


class TrustHandler(_McpHandler):
    @tornado.web.authenticated
    @authorized
    def post(self) -> None:
        try:
            digest = self.body().get("hash")
            if not isinstance(digest, str) or not digest:
                raise McpFailure("bad_request", '"hash" must be the workspaceHash the list reported.')
            self.manager.trust(digest)
            self.finish(json.dumps(self.manager.describe()))
        except McpFailure as err:
            self.fail(None, err)


def mcp_handlers(root: str, manager: McpManager) -> list[tuple]:
    """Route specs for ``setup_route_handlers`` (before the catch-all 404)."""
    base = url_path_join(root, "mcp")
    kwargs = {"manager": manager}
    return [
        (url_path_join(base, "servers"), ServersHandler, kwargs),
        (url_path_join(base, "servers", SERVER_NAME, "(start|restart|call)"), ServerActionHandler, kwargs),
        (url_path_join(base, "trust"), TrustHandler, kwargs),
    ]
