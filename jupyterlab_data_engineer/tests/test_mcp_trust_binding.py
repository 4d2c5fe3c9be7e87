"""What trusting a workspace's MCP servers binds to (issue 26, item 2), on a real Jupyter server.

Trust covers the exact bytes of ``.vscode/mcp.json`` (command, args, cwd, env, url, header
templates) and the content of every envFile a workspace server names: an envFile changed by a
``git pull`` (``PYTHONPATH=evil``) asks again before the server starts. The listing shows what
the trust dialog shows: cwd, env values and header templates (secret-looking values masked),
the host headers go to, and what the envFile sets.
"""

from __future__ import annotations

import json
import sys

import pytest

from .conftest import _stop
from .mcp_fixtures import (
    HTTP_MCP_PORT,
    SERVER_SCRIPT,
    assert_no_secret,
    cleanup,
    new_tmp,
    start_http_mcp,
    start_jupyter,
    stop_jupyter,
    wait_up,
)

MCP = "data-engineer/mcp/"
LITERAL_SECRET = "mcp-secret-LITERAL-" + "e" * 20
FILE_SECRET = "mcp-secret-ENVFILE-WS-" + "f" * 20


def workspace_json(marker: str) -> str:
    return json.dumps({
        "servers": {
            "ws": {
                "type": "stdio",
                "command": sys.executable,
                "args": [str(SERVER_SCRIPT)],
                "cwd": "sub",
                "envFile": "${workspaceFolder}/.env.mcp",
                "env": {"MCP_TEST_MARKER": marker, "API_TOKEN": LITERAL_SECRET, "GH": "${env:GITHUB_TOKEN}"},
            },
            "api": {
                "type": "http",
                "url": f"http://127.0.0.1:{HTTP_MCP_PORT}/mcp",
                "headers": {"Authorization": "Bearer ${env:GITHUB_TOKEN}", "X-Api-Key": LITERAL_SECRET},
            },
        }
    })


@pytest.fixture(scope="module")
def setup():
    tmp = new_tmp()
    http_proc = start_http_mcp()
    s, log = start_jupyter("binding", tmp, {"mcp_idle_timeout": 0}, workspace=False)
    root = s.home / "root"
    (root / "sub").mkdir()
    (root / ".env.mcp").write_text(f"LOG_LEVEL=info\nDB_PASSWORD={FILE_SECRET}\n")
    s.workspace_file.write_text(workspace_json(str(s.markers["ws"])))
    try:
        wait_up(s)
        yield s
    finally:
        stop_jupyter(s, log)
        _stop(http_proc)
        cleanup(tmp)


def _client(setup):
    return setup.server.client(timeout=30.0, headers=setup.server.auth)


def _get(c):
    r = c.get(MCP + "servers")
    assert r.status_code == 200, r.text
    assert LITERAL_SECRET not in r.text and FILE_SECRET not in r.text
    assert_no_secret(r)
    return r.json()


def test_the_listing_shows_what_the_trust_dialog_shows(setup):
    with _client(setup) as c:
        data = _get(c)
    ws = next(s for s in data["servers"] if s["name"] == "ws")
    api = next(s for s in data["servers"] if s["name"] == "api")
    assert ws["cwd"] == "sub"
    assert ws["env"]["MCP_TEST_MARKER"] == str(setup.markers["ws"])
    assert ws["env"]["GH"] == "${env:GITHUB_TOKEN}"  # a template, as written
    assert ws["env"]["API_TOKEN"] == "\u2022" * 6  # a literal secret, masked
    assert ws["envFileEntries"] == {"LOG_LEVEL": "info", "DB_PASSWORD": "\u2022" * 6}
    assert len(ws["envFileDigest"]) == 64
    assert api["headers"] == {"Authorization": "Bearer ${env:GITHUB_TOKEN}", "X-Api-Key": "\u2022" * 6}
    assert api["host"] == f"127.0.0.1:{HTTP_MCP_PORT}"


def test_a_changed_env_file_asks_again_before_the_server_starts(setup):
    env_file = setup.home / "root" / ".env.mcp"
    with _client(setup) as c:
        first = _get(c)["workspaceHash"]
        assert c.post(MCP + "trust", json={"hash": first}).status_code == 200
        r = c.post(MCP + "servers/ws/start", json={"inputs": {}})
        assert r.status_code == 200, r.text
        assert len(setup.starts("ws")) == 1

        # A git pull changes only the envFile: mcp.json's bytes are the same.
        env_file.write_text("LOG_LEVEL=info\nPYTHONPATH=/tmp/evil\n")
        data = _get(c)
        ws = next(s for s in data["servers"] if s["name"] == "ws")
        assert ws["trusted"] is False and data["workspaceHash"] != first
        assert ws["envFileEntries"]["PYTHONPATH"] == "/tmp/evil"  # the dialog shows the new value
        for action in ("start", "restart"):
            r = c.post(MCP + f"servers/ws/{action}", json={"inputs": {}})
            assert r.status_code == 403 and r.json()["error"]["kind"] == "not_trusted", r.text
        r = c.post(MCP + "servers/ws/call", json={"tool": "echo", "arguments": {"text": "x"}, "inputs": {}})
        assert r.status_code == 403, r.text
        assert len(setup.starts("ws")) == 1
        # The hash the user saw before the change no longer trusts anything.
        r = c.post(MCP + "trust", json={"hash": first})
        assert r.status_code == 409 and r.json()["error"]["kind"] == "changed"

        # Trusting the new version starts a new process with the new environment.
        assert c.post(MCP + "trust", json={"hash": data["workspaceHash"]}).status_code == 200
        r = c.post(MCP + "servers/ws/call", json={"tool": "env_names", "arguments": {}, "inputs": {}})
        assert r.status_code == 200, r.text
        assert "PYTHONPATH" in json.dumps(r.json()["result"])
        assert len(setup.starts("ws")) == 2

        # A removed envFile is a change too.
        env_file.unlink()
        data = _get(c)
        ws = next(s for s in data["servers"] if s["name"] == "ws")
        assert ws["trusted"] is False and "not found" in ws["envFileProblem"]


def test_a_changed_cwd_asks_again(setup):
    with _client(setup) as c:
        data = _get(c)
        assert c.post(MCP + "trust", json={"hash": data["workspaceHash"]}).status_code == 200
        assert all(s["trusted"] for s in _get(c)["servers"])
        text = setup.workspace_file.read_text().replace('"cwd": "sub"', '"cwd": "/"')
        setup.workspace_file.write_text(text)
        ws = next(s for s in _get(c)["servers"] if s["name"] == "ws")
        assert ws["trusted"] is False and ws["cwd"] == "/"


def test_an_env_file_outside_the_workspace_shows_its_names_only(setup, tmp_path):
    outside = tmp_path / "elsewhere.env"
    outside.write_text("REGION=eu-west-1\n")
    text = json.loads(setup.workspace_file.read_text())
    text["servers"]["ws"]["envFile"] = str(outside)
    setup.workspace_file.write_text(json.dumps(text))
    with _client(setup) as c:
        ws = next(s for s in _get(c)["servers"] if s["name"] == "ws")
    assert ws["envFileEntries"] == {"REGION": "\u2022" * 6} and ws["envFileOutside"] is True
    assert "eu-west-1" not in json.dumps(ws)
