"""Workspace files read before any click (issue 26, item 3), against a real `jupyter server`.

`.vscode/mcp.json` is read on every chat open and turn. A link to /dev/zero or a
huge file must not be read: the server's memory stays flat and the MCP listing
carries a problem line saying why. The symlink-check route's ``stat`` answer
(what the page checks before reading instructions, personas, prompt files,
tasks.json and Makefiles) describes each path as it really is.

The server runs under an address-space cap, so that on code without the limit
reading /dev/zero fails this test instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import Server, _base_env, _stop, _wait_until_up, free_port, http_client

ADDRESS_CAP = 3 * 1024**3  # the server and its threads fit well within this


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_CAP, ADDRESS_CAP))


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def workspace_server():
    home = Path(tempfile.mkdtemp(prefix="de-wsfiles-"))
    root = home / "root"
    for sub in ("root/.vscode", "root/docs", "config", "data", "runtime"):
        (home / sub).mkdir(parents=True)
    env = _base_env()
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    server = Server(
        name="wsfiles", port=free_port(), base_url="/user/carol/", token=secrets.token_hex(16),
        expected_key=None, upstream="", log_path=home / "server.log",
    )
    log = open(server.log_path, "wb")  # noqa: SIM115 - closed below
    extensions = {"jupyterlab_data_engineer": True, "jupyterlab": False, "notebook": False,
                  "jupyter_lsp": False, "jupyter_server_terminals": False, "notebook_shim": False}
    server.proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--port={server.port}", "--ServerApp.port_retries=0", f"--ServerApp.token={server.token}",
            "--ServerApp.allow_root=True", "--ServerApp.jpserver_extensions=" + repr(extensions),
            f"--ServerApp.root_dir={root}", "--ContentsManager.allow_hidden=True",
            f"--ServerApp.base_url={server.base_url}",
        ],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(home),
        preexec_fn=_cap_memory,  # noqa: PLW1509 - a resource limit only
    )
    try:
        with http_client(timeout=2.0) as client:
            _wait_until_up(client, server, time.monotonic() + 60)
        yield server, root
    finally:
        _stop(server.proc)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def _mcp_problems(server: Server) -> list[str]:
    with server.client(timeout=60.0, headers=server.auth) as client:
        r = client.get("data-engineer/mcp/servers")
    assert r.status_code == 200, r.text[:500]
    return r.json()["problems"]


def _replace(path: Path, make) -> None:
    if path.is_symlink() or path.exists():
        path.unlink()
    make(path)


def test_mcp_json_linked_to_dev_zero_is_refused_and_memory_stays_flat(workspace_server):
    server, root = workspace_server
    target = root / ".vscode" / "mcp.json"
    _replace(target, lambda p: os.symlink("/dev/zero", p))
    before = _rss_kib(server.proc.pid)
    problems = _mcp_problems(server)
    _mcp_problems(server)  # every chat open and turn asks again
    assert server.proc.poll() is None, server.log_text()[-2000:]
    grown = _rss_kib(server.proc.pid) - before
    print(f"RSS growth after two listings with mcp.json -> /dev/zero: {grown} KiB")
    assert grown < 20 * 1024, f"the server grew by {grown} KiB"
    assert problems == [
        ".vscode/mcp.json: not read: it leads outside the server root through a symbolic link"
    ]


def test_mcp_json_over_one_mib_is_refused_unread(workspace_server):
    server, root = workspace_server
    target = root / ".vscode" / "mcp.json"
    padding = "// " + "x" * 1000 + "\n"
    text = padding * 1100 + '{"servers": {"big": {"command": "echo"}}}\n'
    assert len(text) > 1024 * 1024
    _replace(target, lambda p: p.write_text(text))
    problems = _mcp_problems(server)
    assert len(problems) == 1
    assert problems[0].startswith(".vscode/mcp.json: not read: it is 1.1 MiB, over the 1.0 MiB limit")
    with server.client(timeout=30.0, headers=server.auth) as client:
        names = [s["name"] for s in client.get("data-engineer/mcp/servers").json()["servers"]]
    assert "big" not in names


def test_mcp_json_linked_to_a_device_or_fifo_inside_the_root_is_refused(workspace_server):
    server, root = workspace_server
    fifo = root / "docs" / "pipe"
    if not fifo.exists():
        os.mkfifo(fifo)
    target = root / ".vscode" / "mcp.json"
    _replace(target, lambda p: os.symlink(fifo, p))
    problems = _mcp_problems(server)  # would block forever on the FIFO if it were opened
    assert problems == [".vscode/mcp.json: not read: it is not a regular file (a device, FIFO or socket)"]


def test_a_small_regular_mcp_json_still_loads(workspace_server):
    server, root = workspace_server
    target = root / ".vscode" / "mcp.json"
    real = root / "docs" / "mcp.json"
    real.write_text('{"servers": {"ok": {"command": "echo"}}}')
    # A link inside the root to a small regular file is fine (repositories share config that way).
    _replace(target, lambda p: os.symlink(real, p))
    assert _mcp_problems(server) == []
    with server.client(timeout=30.0, headers=server.auth) as client:
        names = [s["name"] for s in client.get("data-engineer/mcp/servers").json()["servers"]]
    assert "ok" in names


def test_the_route_describes_paths_as_they_really_are(workspace_server):
    server, root = workspace_server
    (root / "docs" / "big.md").write_bytes(b"a" * (2 * 1024 * 1024))
    (root / "docs" / "small.md").write_text("# hi\n")
    if not (root / "docs" / "pipe").exists():
        os.mkfifo(root / "docs" / "pipe")
    for name, target in (("zero.md", "/dev/zero"), ("big_link.md", root / "docs" / "big.md"),
                         ("small_link.md", root / "docs" / "small.md")):
        _replace(root / name, lambda p, t=target: os.symlink(t, p))
    paths = ["zero.md", "big_link.md", "small_link.md", "docs/small.md", "docs/pipe", "docs", "nope.md"]
    with server.client(timeout=30.0, headers=server.auth) as client:
        r = client.post("data-engineer/files/inside", content=json.dumps({"paths": paths, "stat": True}),
                        headers={"Content-Type": "application/json"})
        plain = client.post("data-engineer/files/inside", content=json.dumps({"paths": paths}),
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outside"] == ["zero.md"]
    stat = body["stat"]
    assert "zero.md" not in stat
    # The contents API's lstat size of big_link.md is its target's name length; this is the file's.
    assert stat["big_link.md"] == {"kind": "file", "size": 2 * 1024 * 1024, "target": "docs/big.md"}
    assert stat["small_link.md"] == {"kind": "file", "size": 5, "target": "docs/small.md"}
    assert stat["docs/small.md"] == {"kind": "file", "size": 5}
    assert stat["docs/pipe"] == {"kind": "other"}
    assert stat["docs"] == {"kind": "dir"}
    assert stat["nope.md"] == {"kind": "missing"}
    # Without "stat" the answer is what it always was.
    assert plain.json() == {"checked": True, "outside": ["zero.md"]}
