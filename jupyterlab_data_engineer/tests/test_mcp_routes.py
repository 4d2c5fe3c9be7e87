"""The MCP bridge end to end: real Jupyter servers, real stdio and streamable-HTTP MCP servers."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from .conftest import _stop
from .mcp_fixtures import (
    SECRET_INPUT,
    alive,
    assert_no_secret,
    cleanup,
    new_tmp,
    start_http_mcp,
    start_jupyter,
    stop_jupyter,
    wait_up,
)

MCP = "data-engineer/mcp/"
IDLE = 2.5
CALL_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def setups():
    tmp = new_tmp()
    http_proc = start_http_mcp()
    main, log_main = start_jupyter(
        "main", tmp, {"mcp_idle_timeout": IDLE, "mcp_call_timeout": CALL_TIMEOUT, "mcp_max_result_chars": 5000}
    )
    off, log_off = start_jupyter("off", tmp, {"mcp_workspace_servers": False})
    shut, log_shut = start_jupyter("shut", tmp, {})
    try:
        wait_up(main)
        wait_up(off)
        wait_up(shut)
        yield {"main": main, "off": off, "shut": shut}
    finally:
        stop_jupyter(main, log_main)
        stop_jupyter(off, log_off)
        stop_jupyter(shut, log_shut)
        _stop(http_proc)
        cleanup(tmp)


@pytest.fixture(scope="module")
def main(setups):
    return setups["main"]


class Api:
    """Token-authenticated calls; every response is checked for leaked secrets."""

    def __init__(self, setup):
        self.setup = setup
        self.client = setup.server.client(timeout=30.0, headers=setup.server.auth)

    def get(self, path: str) -> httpx.Response:
        r = self.client.get(MCP + path)
        assert_no_secret(r)
        return r

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        r = self.client.post(MCP + path, json=body or {})
        assert_no_secret(r)
        return r

    def call(self, server: str, tool: str, arguments: dict | None = None, inputs: dict | None = None):
        return self.post(f"servers/{server}/call", {"tool": tool, "arguments": arguments or {}, "inputs": inputs or {}})

    def server(self, name: str) -> dict:
        return next(s for s in self.get("servers").json()["servers"] if s["name"] == name)


@pytest.fixture
def api(main):
    with httpx.Client():
        a = Api(main)
        yield a
        a.client.close()


def test_list_shows_definitions_without_secrets(api):
    r = api.get("servers")
    assert r.status_code == 200, r.text
    data = r.json()
    by_name = {s["name"]: s for s in data["servers"]}
    assert set(by_name) == {"adm", "web", "broken", "nocmd", "ws", "wsweb"}
    assert by_name["adm"]["source"] == "admin" and by_name["adm"]["trusted"] is True
    assert by_name["adm"]["envNames"] == ["MCP_TEST_MARKER", "MCP_TEST_SECRET"]
    assert by_name["web"]["headerNames"] == ["X-Api-Key"]
    ws = by_name["ws"]
    assert ws["source"] == "workspace" and ws["file"] == ".vscode/mcp.json"
    assert ws["trusted"] is False and ws["inputIds"] == ["wstoken"]
    # The template, not the value: the trust prompt shows what will run.
    assert ws["args"][0].endswith("mcp_test_server.py")
    assert data["inputs"] == [{"id": "wstoken", "description": "Token for the workspace server", "password": True}]
    assert len(data["workspaceHash"]) == 64


def test_stdio_list_and_call(api, main):
    r = api.post("servers/adm/start")
    assert r.status_code == 200, r.text
    server = r.json()["server"]
    assert server["status"] == "running"
    tools = {t["name"]: t for t in server["tools"]}
    assert {"echo", "add", "slow", "fail", "crash", "pixel", "document"} <= set(tools)
    assert tools["add"]["inputSchema"]["required"] == ["a", "b"]
    r = api.call("adm", "echo", {"text": "hi"})
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert result["content"] == [{"type": "text", "text": "echo: hi"}]
    assert result["isError"] is False
    r = api.call("adm", "add", {"a": 2, "b": 40})
    assert r.json()["result"]["structuredContent"] == {"result": 42}
    # One process for all those calls.
    assert len(main.starts("adm")) == 1


def test_http_server_list_and_call(api):
    r = api.post("servers/web/start")
    assert r.status_code == 200, r.text
    assert "echo" in {t["name"] for t in r.json()["server"]["tools"]}
    r = api.call("web", "echo", {"text": "over http"})
    assert r.status_code == 200, r.text
    assert r.json()["result"]["content"][0]["text"] == "echo: over http"


def test_images_resources_and_long_results(api):
    pixel = api.call("adm", "pixel").json()["result"]
    assert pixel["content"][0]["type"] == "image"
    assert pixel["content"][0]["mimeType"] == "image/png"
    doc = api.call("adm", "document").json()["result"]
    assert doc["content"][1] == {
        "type": "resource", "uri": "file:///docs/readme.txt", "mimeType": "text/plain", "text": "README body"
    }
    big = api.call("adm", "big", {"chars": 50_000}).json()["result"]
    assert big["truncated"] is True
    assert len(big["content"][0]["text"]) < 5_200
    assert "more characters left out" in big["content"][0]["text"]
    assert "structuredContent" not in big


def test_tool_error_and_unknown_tool(api):
    r = api.call("adm", "fail", {"reason": "bad table"})
    assert r.status_code == 200
    assert r.json()["result"]["isError"] is True
    r = api.call("adm", "no_such_tool")
    body = r.json()
    # Either a protocol error or an error result: both clear, the server lives on.
    if r.status_code == 200:
        assert body["result"]["isError"] is True
    else:
        assert r.status_code == 502 and body["error"]["kind"] == "tool_error"
    assert api.call("adm", "echo", {"text": "still here"}).status_code == 200


def test_timeout_keeps_the_server(api):
    started = time.monotonic()
    r = api.call("adm", "slow", {"seconds": 20})
    assert r.status_code == 504, r.text
    assert r.json()["error"]["kind"] == "timeout"
    assert "within 3 s" in r.json()["error"]["message"]
    assert time.monotonic() - started < 15
    r = api.call("adm", "echo", {"text": "after timeout"})
    assert r.status_code == 200, r.text


def test_abandoned_call_is_cancelled(api, main):
    # The browser's Stop closes the request: the bridge cancels the call and stays usable.
    assert api.call("adm", "echo", {"text": "warm"}).status_code == 200
    with main.server.client(timeout=1.0, headers=main.server.auth) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post(MCP + "servers/adm/call", json={"tool": "slow", "arguments": {"seconds": 2.5}})
    r = api.call("adm", "echo", {"text": "after stop"})
    assert r.status_code == 200, r.text
    time.sleep(3)  # past the end of the abandoned call
    # The MCP server was told: the tool's task was cancelled before it finished.
    assert "slow-finished 2.5" not in main.markers["adm"].read_text()
    r = api.call("adm", "slow", {"seconds": 0.1})
    assert r.status_code == 200, r.text
    assert "slow-finished 0.1" in main.markers["adm"].read_text()


def test_env_secrets_masked_everywhere(api):
    r = api.call("adm", "leak_secret")
    assert r.status_code == 200
    assert r.json()["result"]["content"][0]["text"] == "the secret is *** and ***"
    names = api.call("adm", "env_names").json()["result"]["structuredContent"]["result"]
    # The process got its env and envFile values, and not the Jupyter server's environment.
    assert "MCP_TEST_SECRET" in names and "MCP_TEST_FILE_SECRET" in names
    assert "JUPYTER_CONFIG_DIR" not in names
    # The server printed its token to stderr at start: the tail shows it masked.
    assert "token ***" in api.post("servers/adm/restart").json()["server"]["stderrTail"]


def test_start_failures_are_clear(api):
    r = api.post("servers/broken/start")
    assert r.status_code == 502
    error = r.json()["error"]
    assert error["kind"] == "start_failed"
    assert "cannot start: missing configuration" in error["stderrTail"]
    assert "token ***" in error["stderrTail"]
    listed = api.server("broken")
    assert listed["status"] == "failed"
    assert "missing configuration" in listed["stderrTail"]
    r = api.post("servers/nocmd/start")
    assert r.status_code == 502 and r.json()["error"]["kind"] == "start_failed"
    assert "nonexistent" in r.json()["error"]["message"] or "No such file" in r.json()["error"]["message"]
    assert api.post("servers/nope/start").status_code == 404


def test_crash_then_restart(api, main):
    assert api.post("servers/adm/start").status_code == 200
    before = main.starts("adm")
    r = api.call("adm", "crash")
    assert r.status_code == 502, r.text
    error = r.json()["error"]
    assert error["kind"] == "crashed"
    assert "about to crash" in error["stderrTail"]
    listed = api.server("adm")
    assert listed["status"] == "failed" and "about to crash" in listed["stderrTail"]
    # A failed server stays failed (no restart loop) until Restart.
    assert api.call("adm", "echo", {"text": "x"}).status_code == 502
    r = api.post("servers/adm/restart")
    assert r.status_code == 200, r.text
    assert r.json()["server"]["status"] == "running"
    assert api.call("adm", "echo", {"text": "back"}).json()["result"]["content"][0]["text"] == "echo: back"
    assert len(main.starts("adm")) == len(before) + 1


def test_idle_server_is_stopped(api, main):
    assert api.call("adm", "echo", {"text": "wake"}).status_code == 200
    pid = main.starts("adm")[-1]
    assert alive(pid)
    deadline = time.monotonic() + IDLE * 4
    while time.monotonic() < deadline and api.server("adm")["status"] in ("running", "stopping"):
        time.sleep(0.3)
    assert api.server("adm")["status"] == "stopped"
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
    # Next use starts it again.
    assert api.call("adm", "echo", {"text": "again"}).status_code == 200
    assert main.starts("adm")[-1] != pid


def test_workspace_server_needs_trust(api, main):
    r = api.post("servers/ws/start", {"inputs": {"wstoken": SECRET_INPUT}})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["kind"] == "not_trusted"
    r = api.call("ws", "echo", {"text": "x"}, inputs={"wstoken": SECRET_INPUT})
    assert r.status_code == 403
    assert main.starts("ws") == []  # never ran
    # A workspace HTTP server is not contacted before trust either.
    r = api.call("wsweb", "echo", {"text": "x"})
    assert r.status_code == 403 and r.json()["error"]["kind"] == "not_trusted"

    digest = api.get("servers").json()["workspaceHash"]
    r = api.post("trust", {"hash": "0" * 64})
    assert r.status_code == 409 and r.json()["error"]["kind"] == "changed"
    assert main.starts("ws") == []
    r = api.post("trust", {"hash": digest})
    assert r.status_code == 200, r.text
    assert api.server("ws")["trusted"] is True
    assert main.starts("ws") == []  # trusting does not start it

    # The input is asked by the browser, sent with the call, used only to start.
    r = api.post("servers/ws/start")
    assert r.status_code == 400 and r.json()["error"]["kind"] == "needs_inputs"
    r = api.call("ws", "leak_secret", inputs={"wstoken": SECRET_INPUT})
    assert r.status_code == 200, r.text
    assert r.json()["result"]["content"][0]["text"].startswith("the secret is ***")
    assert len(main.starts("ws")) == 1
    assert api.call("wsweb", "echo", {"text": "web"}).json()["result"]["content"][0]["text"] == "echo: web"
    trust_file = main.home / "data" / "jupyterlab_data_engineer" / "mcp-trust.json"
    assert SECRET_INPUT not in trust_file.read_text()

    # Any change to the file asks again.
    main.workspace_file.write_text(main.workspace_file.read_text() + "\n// edited\n")
    assert api.server("ws")["trusted"] is False
    r = api.call("ws", "echo", {"text": "x"}, inputs={"wstoken": SECRET_INPUT})
    assert r.status_code == 403 and r.json()["error"]["kind"] == "not_trusted"


def test_workspace_servers_can_be_disabled(setups):
    off = Api(setups["off"])
    try:
        data = off.get("servers").json()
        assert data["workspaceEnabled"] is False
        assert "ws" not in {s["name"] for s in data["servers"]}
        assert off.post("servers/ws/start").status_code == 404
        assert off.post("trust", {"hash": "x"}).status_code == 403
        assert setups["off"].starts("ws") == []
    finally:
        off.client.close()


@pytest.mark.parametrize(
    "method,path",
    [("GET", "servers"), ("POST", "servers/adm/call"), ("POST", "servers/adm/start"), ("POST", "trust")],
)
def test_routes_refuse_without_auth(main, method, path):
    with main.server.client() as c:
        for headers in ({}, {"Authorization": "token wrong"}):
            r = c.request(method, MCP + path, headers=headers, json={"tool": "echo", "arguments": {"text": "x"}})
            assert r.status_code in (401, 403), r.text
            assert_no_secret(r)


def test_cookie_post_needs_xsrf(main):
    server = main.server
    c = server.client(follow_redirects=False)
    try:
        r = c.get("login")
        xsrf = c.cookies.get("_xsrf")
        r = c.post("login", data={"password": server.token, "_xsrf": xsrf})
        assert r.status_code in (302, 303)
        assert c.get(MCP + "servers").status_code == 200
        before = len(main.starts("adm"))
        body = {"tool": "echo", "arguments": {"text": "csrf"}}
        for headers in ({}, {"X-XSRFToken": "nope"}):
            r = c.post(MCP + "servers/adm/restart", json=body, headers=headers)
            assert r.status_code == 403, r.text
            r = c.post(MCP + "trust", json={"hash": "x"}, headers=headers)
            assert r.status_code == 403
        assert len(main.starts("adm")) == before
        r = c.post(MCP + "servers/adm/call", json=body, headers={"X-XSRFToken": xsrf})
        assert r.status_code == 200, r.text
        assert json.loads(r.text)["result"]["content"][0]["text"] == "echo: csrf"
    finally:
        c.close()


def test_other_paths_under_mcp_are_not_found(api):
    assert api.get("servers/adm/call").status_code in (404, 405)
    assert api.post("servers/adm/delete").status_code == 404
    assert api.post("servers/..%2F..%2Fetc/call").status_code == 404


def test_servers_stop_with_jupyter(setups):
    shut = setups["shut"]
    api = Api(shut)
    try:
        assert api.post("servers/adm/start").status_code == 200
    finally:
        api.client.close()
    (pid,) = shut.starts("adm")
    assert alive(pid)
    shut.server.proc.terminate()  # SIGTERM: Jupyter's own clean shutdown
    shut.server.proc.wait(30)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
    assert "stopping idle" not in shut.server.log_text()
