#!/usr/bin/env python3
"""MCP bridge latency (issue #16): a trivial tool call through the route, and stdio cold start.

Starts a real ``jupyter server`` (port 9720) with an administrator-configured stdio MCP
server (the SDK-based ``jupyterlab_data_engineer/tests/mcp_test_server.py``), then:

* **call overhead**: ``echo`` called through ``POST {base}/data-engineer/mcp/servers/bench/call``
  (token auth, one keep-alive connection, server already running) versus the same call made
  directly with the SDK's ``ClientSession`` on a second copy of the server process in this
  process; interleaved A/B; overhead = difference of the medians (target <= 20 ms);
* **cold start**: ``POST .../servers/bench/restart`` (spawn, handshake, list_tools), timed
  from the client, and the ``startSeconds`` the server measured itself.

Usage: ``python bench/mcp_latency.py [--runs 50] [--cold 5]``. Writes
bench/results/mcp_latency.md and prints it. Exit status 1 when the overhead misses the target.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import http.client
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRIPT = REPO / "jupyterlab_data_engineer" / "tests" / "mcp_test_server.py"
RESULTS = HERE / "results" / "mcp_latency.md"
PORT = 9720
TARGET_MS = 20.0


def log(*args):
    print("[mcp_latency]", *args, file=sys.stderr, flush=True)


def start_jupyter(tmp: Path, token: str) -> subprocess.Popen:
    for sub in ("root", "config", "data", "runtime"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    config = {
        "DataEngineer": {
            "mcp_servers": {"servers": {"bench": {"type": "stdio", "command": sys.executable, "args": [str(SCRIPT)]}}},
            "mcp_idle_timeout": 0,
        }
    }
    (tmp / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "ANTHROPIC_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), PYTHONPATH=str(REPO),
    )
    ext = {"jupyterlab_data_engineer": True, "jupyterlab": False, "notebook": False, "jupyter_lsp": False,
           "jupyter_server_terminals": False, "notebook_shim": False}
    return subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={PORT}",
         "--ServerApp.port_retries=0", f"--ServerApp.token={token}", "--ServerApp.allow_root=True",
         "--ServerApp.jpserver_extensions=" + repr(ext), f"--ServerApp.root_dir={tmp / 'root'}"],
        stdout=open(tmp / "server.log", "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
    )


class Route:
    def __init__(self, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        self.conn.request("POST", "/data-engineer/mcp/" + path, body=data, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")

    def get(self, path: str) -> int:
        self.conn.request("GET", "/data-engineer/mcp/" + path, headers=self.headers)
        resp = self.conn.getresponse()
        resp.read()
        return resp.status


def wait_up(route: Route, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("jupyter server exited")
        try:
            if route.get("servers") == 200:
                return
        except OSError:
            route.conn.close()
        time.sleep(0.2)
    raise SystemExit("jupyter server did not come up")


async def measure(route: Route, runs: int) -> tuple[list[float], list[float], list[float]]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    via_route: list[float] = []
    direct: list[float] = []
    inner: list[float] = []  # the SDK call inside the Jupyter server (its durationMs)
    params = StdioServerParameters(command=sys.executable, args=[str(SCRIPT)])
    with open(os.devnull, "w") as devnull:
        async with stdio_client(params, errlog=devnull) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                for i in range(runs + 5):
                    order = (0, 1) if i % 2 == 0 else (1, 0)
                    for which in order:
                        started = time.perf_counter()
                        if which == 0:
                            status, body = route.post("servers/bench/call", {"tool": "echo", "arguments": {"text": "x"}})
                            assert status == 200 and body["result"]["content"][0]["text"] == "echo: x", body
                            elapsed = time.perf_counter() - started
                            if i >= 5:
                                via_route.append(elapsed * 1000)
                                inner.append(body["result"]["durationMs"])
                        else:
                            result = await session.call_tool("echo", {"text": "x"})
                            assert result.content[0].text == "echo: x"
                            elapsed = time.perf_counter() - started
                            if i >= 5:
                                direct.append(elapsed * 1000)
    return via_route, direct, inner


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="de-mcp-bench-"))
    token = secrets.token_hex(16)
    load_before = os.getloadavg()
    proc = start_jupyter(tmp, token)
    try:
        route = Route(token)
        wait_up(route, proc)
        cold_client: list[float] = []
        cold_server: list[float] = []
        for i in range(args.cold):
            started = time.perf_counter()
            status, body = route.post("servers/bench/restart" if i else "servers/bench/start", {})
            cold_client.append((time.perf_counter() - started) * 1000)
            assert status == 200, body
            cold_server.append(body["server"]["startSeconds"] * 1000)
        via_route, direct, inner = asyncio.run(measure(route, args.runs))
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    overhead = statistics.median(via_route) - statistics.median(direct)
    lines = [
        "# MCP bridge latency",
        "",
        f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        "(the machine is shared; figures move with the load).",
        "",
        f"Trivial tool call (`echo`), server already running, {len(via_route)} interleaved pairs:",
        "",
        "| path | median ms | p90 ms | min ms |",
        "|---|---|---|---|",
        f"| through the route (`POST /data-engineer/mcp/servers/bench/call`) | {statistics.median(via_route):.2f} | {pct(via_route, 90):.2f} | {min(via_route):.2f} |",
        f"| direct SDK `ClientSession.call_tool` (same server script) | {statistics.median(direct):.2f} | {pct(direct, 90):.2f} | {min(direct):.2f} |",
        f"| of the route's time: the SDK call inside the Jupyter server (`durationMs`) | {statistics.median(inner):.2f} | {pct(inner, 90):.2f} | {min(inner):.2f} |",
        "",
        f"**Overhead of the route: {overhead:.2f} ms** (difference of the medians; target <= {TARGET_MS:g} ms): "
        + ("met." if overhead <= TARGET_MS else "NOT met.")
        + f" Route time outside the SDK call (HTTP, auth, lookup, JSON): median "
        f"{statistics.median([a - b for a, b in zip(via_route, inner)]):.2f} ms.",
        "",
        f"Stdio cold start (spawn + MCP handshake + tools/list of the SDK test server), {len(cold_client)} starts:",
        "",
        "| measured by | median ms | min ms | max ms |",
        "|---|---|---|---|",
        f"| client (route round trip, incl. stopping the previous process) | {statistics.median(cold_client):.0f} | {min(cold_client):.0f} | {max(cold_client):.0f} |",
        f"| server (`startSeconds`) | {statistics.median(cold_server):.0f} | {min(cold_server):.0f} | {max(cold_server):.0f} |",
        "",
        "Most of the cold start is the Python interpreter importing the `mcp` SDK in the server process.",
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0 if overhead <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
