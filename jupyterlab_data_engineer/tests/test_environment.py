"""The API key must not reach kernels or terminals started by the server.

Kernels and terminals inherit the Jupyter server's environment; the extension
moves the key out of it at load. These tests run code in a real kernel and a
real terminal over the server's websockets, as a notebook user would.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime, timezone

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from .conftest import AUTH_TOKEN_ENV, KEY_CLI, KEY_ENV, KEY_ENV_LOSER
from .test_proxy import MESSAGES, SDK_HEADERS, api_records, message_body

SECRET_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
PROBE = (
    "import json, os\n"
    f"print('ENV=' + json.dumps({{k: os.environ.get(k) for k in {SECRET_VARS!r}}}))\n"
    "print('BASE=' + json.dumps(os.environ.get('ANTHROPIC_BASE_URL')))\n"
)
WS_TIMEOUT = 60.0


def _ws_request(server, path: str) -> HTTPRequest:
    url = f"ws://127.0.0.1:{server.port}{server.base_url}{path}"
    return HTTPRequest(url, headers=server.auth, request_timeout=WS_TIMEOUT)


async def _execute(server, kernel_id: str, code: str) -> str:
    """Run `code` in the kernel over the server's websocket; return its stdout."""
    ws = await websocket_connect(_ws_request(server, f"api/kernels/{kernel_id}/channels"))
    try:
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {
                "msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                "session": uuid.uuid4().hex, "version": "5.3",
                "date": datetime.now(timezone.utc).isoformat(),
            },
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {
                "code": code, "silent": False, "store_history": False,
                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
            },
        }))
        out, replied, idle = [], False, False
        while not (replied and idle):
            raw = await asyncio.wait_for(ws.read_message(), WS_TIMEOUT)
            assert raw is not None, "the kernel websocket closed"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        return "".join(out)
    finally:
        ws.close()


def _field(output: str, name: str):
    (line,) = [line for line in output.splitlines() if line.startswith(name + "=")]
    return json.loads(line[len(name) + 1:])


@pytest.mark.parametrize(
    "name,leaked",
    [("env_key", (KEY_ENV, AUTH_TOKEN_ENV)), ("cli_key", (KEY_ENV_LOSER,))],
)
def test_kernels_do_not_inherit_the_key_and_the_proxy_still_uses_it(servers, mock, name, leaked):
    server = servers[name]
    with server.client(timeout=WS_TIMEOUT) as c:
        r = c.post("api/kernels", headers=server.auth, json={"name": "python3"})
        assert r.status_code == 201, r.text
        kernel_id = r.json()["id"]
        try:
            output = asyncio.run(_execute(server, kernel_id, PROBE))
        finally:
            c.delete(f"api/kernels/{kernel_id}", headers=server.auth)
        r = c.post(MESSAGES, headers={**server.auth, **SDK_HEADERS}, json=message_body())

    assert _field(output, "ENV") == {name: None for name in SECRET_VARS}
    for secret in leaked:
        assert secret not in output
    # The base URL is no secret: it stays visible, as it was.
    expected_base = {"env_key": server.upstream + "/", "cli_key": None}[name]
    if expected_base is not None:
        assert _field(output, "BASE") == expected_base
    assert r.status_code == 200, r.text
    (record,) = api_records(mock)
    assert record["headers"]["x-api-key"] == server.expected_key


async def _terminal_output(server, terminal: str, command: str, marker: str) -> str:
    ws = await websocket_connect(_ws_request(server, f"terminals/websocket/{terminal}"))
    try:
        ws.write_message(json.dumps(["stdin", command + "\r"]))
        seen = ""
        # Until the line is complete: output may arrive in pieces.
        while not re.search(re.escape(marker) + r"[^\]]*\]", seen):
            raw = await asyncio.wait_for(ws.read_message(), WS_TIMEOUT)
            assert raw is not None, "the terminal websocket closed"
            kind, *payload = json.loads(raw)
            if kind == "stdout":
                seen += payload[0]
        return seen
    finally:
        ws.close()


def test_terminals_do_not_inherit_the_key(servers, mock):
    pytest.importorskip("jupyter_server_terminals")
    server = servers["cli_key"]  # the one server that loads the other extensions
    with server.client(timeout=WS_TIMEOUT) as c:
        r = c.post("api/terminals", headers=server.auth)
        if r.status_code == 404:
            pytest.skip("terminals are not enabled on this server")
        assert r.status_code == 200, r.text
        terminal = r.json()["name"]
        try:
            # printf's format keeps the typed command (echoed back) distinct from its output.
            seen = asyncio.run(_terminal_output(
                server, terminal,
                "printf 'K%s=[%s]\\n' 1 \"$ANTHROPIC_API_KEY$ANTHROPIC_AUTH_TOKEN\"",
                "K1=[",
            ))
        finally:
            c.delete(f"api/terminals/{terminal}", headers=server.auth)
    assert "K1=[]" in seen
    assert KEY_ENV_LOSER not in seen and KEY_CLI not in seen
