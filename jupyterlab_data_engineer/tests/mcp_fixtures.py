"""Jupyter servers with MCP servers configured, for test_mcp_*.py.

Real processes throughout: a streamable-HTTP MCP server (mcp_test_server.py) on a port of
this branch's range, and `jupyter server` subprocesses whose admin config and workspace
`.vscode/mcp.json` point at stdio copies of the same script.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .conftest import Server, _base_env, _stop, _wait_until_up, free_port, http_client

SERVER_SCRIPT = Path(__file__).with_name("mcp_test_server.py")
HTTP_MCP_PORT = int(os.environ.get("DE_TEST_MCP_HTTP_PORT", "9711"))

# Distinctive secrets: none may appear in any response of the bridge.
SECRET_ENV = "mcp-secret-ENV-" + "a" * 20
SECRET_FILE = "mcp-secret-ENVFILE-" + "b" * 20
SECRET_HEADER = "mcp-secret-HEADER-" + "c" * 20
SECRET_INPUT = "mcp-secret-INPUT-" + "d" * 20
ALL_SECRETS = (SECRET_ENV, SECRET_FILE, SECRET_HEADER, SECRET_INPUT)

WORKSPACE_JSON = """{
  // VS Code writes comments and trailing commas; the bridge must accept both.
  "inputs": [
    {"type": "promptString", "id": "wstoken", "description": "Token for the workspace server", "password": true},
  ],
  "servers": {
    "ws": {
      "type": "stdio",
      "command": "%(python)s",
      "args": ["%(script)s"],
      /* the input goes to the process only */
      "env": {"MCP_TEST_SECRET": "${input:wstoken}", "MCP_TEST_MARKER": "%(marker)s"},
    },
    // Reached from the Jupyter server: trusted like the stdio one before it is contacted.
    "wsweb": {"type": "http", "url": "http://127.0.0.1:%(http_port)s/mcp"},
  },
}
"""


@dataclass
class McpSetup:
    server: Server  # the Jupyter server
    home: Path
    markers: dict[str, Path]

    @property
    def workspace_file(self) -> Path:
        return self.home / "root" / ".vscode" / "mcp.json"

    def starts(self, name: str) -> list[int]:
        """PIDs of the processes the server `name` started so far."""
        path = self.markers[name]
        if not path.exists():
            return []
        return [int(line.split()[1]) for line in path.read_text().splitlines() if line.startswith("start ")]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the HTTP MCP test server exited ({proc.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the HTTP MCP test server did not listen on {port}")


def start_http_mcp(port: int = HTTP_MCP_PORT) -> subprocess.Popen:
    deadline = time.monotonic() + 15  # a previous run's server may still be shutting down
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                break
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} is taken; set DE_TEST_MCP_HTTP_PORT to a free one")
        time.sleep(0.3)
    proc = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), "http", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_base_env(),
    )
    wait_for_port(port, proc)
    return proc


def admin_servers(home: Path, markers: dict[str, Path]) -> dict:
    env_file = home / "secrets.env"
    env_file.write_text(f"# secrets for adm\nexport MCP_TEST_FILE_SECRET='{SECRET_FILE}'\n")
    script = str(SERVER_SCRIPT)
    return {
        "servers": {
            "adm": {
                "type": "stdio", "command": sys.executable, "args": [script],
                "env": {"MCP_TEST_SECRET": SECRET_ENV, "MCP_TEST_MARKER": str(markers["adm"])},
                "envFile": str(env_file),
            },
            "web": {
                "type": "http", "url": f"http://127.0.0.1:{HTTP_MCP_PORT}/mcp",
                "headers": {"X-Api-Key": SECRET_HEADER},
            },
            "broken": {
                "type": "stdio", "command": sys.executable, "args": [script],
                "env": {"MCP_TEST_FAIL_START": "1", "MCP_TEST_SECRET": SECRET_ENV},
            },
            "nocmd": {"type": "stdio", "command": "/nonexistent/bin/mcp-server"},
        }
    }


def start_jupyter(name: str, tmp: Path, dataengineer: dict, workspace: bool = True) -> tuple[McpSetup, object]:
    home = tmp / name
    for sub in ("root/.vscode", "config", "data", "runtime"):
        (home / sub).mkdir(parents=True)
    markers = {n: home / f"{n}.starts" for n in ("adm", "ws")}
    config = {"DataEngineer": {"mcp_servers": admin_servers(home, markers), **dataengineer}}
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    if workspace:
        (home / "root" / ".vscode" / "mcp.json").write_text(
            WORKSPACE_JSON
            % {"python": sys.executable, "script": SERVER_SCRIPT, "marker": markers["ws"], "http_port": HTTP_MCP_PORT}
        )
    env = _base_env()
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    server = Server(
        name=name, port=free_port(), base_url="/", token=secrets.token_hex(16),
        expected_key=None, upstream="", log_path=home / "server.log",
    )
    log = open(server.log_path, "wb")  # noqa: SIM115 - closed by stop_jupyter
    extensions = {"jupyterlab_data_engineer": True, "jupyterlab": False, "notebook": False, "jupyter_lsp": False,
                  "jupyter_server_terminals": False, "notebook_shim": False}
    server.proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--port={server.port}", "--ServerApp.port_retries=0", f"--ServerApp.token={server.token}",
            "--ServerApp.allow_root=True", "--ServerApp.jpserver_extensions=" + repr(extensions),
            f"--ServerApp.root_dir={home / 'root'}", "--ContentsManager.allow_hidden=True",
        ],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(home),
    )
    return McpSetup(server=server, home=home, markers=markers), log


def wait_up(setup: McpSetup) -> None:
    with http_client(timeout=2.0) as client:
        _wait_until_up(client, setup.server, time.monotonic() + 60)


def stop_jupyter(setup: McpSetup, log) -> None:
    _stop(setup.server.proc)
    log.close()


def new_tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="de-mcp-"))


def cleanup(tmp: Path) -> None:
    if os.environ.get("DE_KEEP_SERVER_LOGS"):
        print(f"MCP test logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def assert_no_secret(r: httpx.Response) -> None:
    text = f"{r.status_code}\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items()) + "\n" + r.text
    for secret in ALL_SECRETS:
        assert secret not in text, f"a secret reached the browser: {r.request.url}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); its /proc status says so.
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return "\nState:\tZ" not in status
    except OSError:
        return False
