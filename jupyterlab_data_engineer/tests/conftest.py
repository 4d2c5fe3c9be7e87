"""Fixtures: real `jupyter server` subprocesses in front of the mock Anthropic API.

All processes are session-scoped and started in parallel; the mock is reset
before every test. Nothing here contacts the network beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MOCK_SCRIPT = REPO_ROOT / "ui-tests" / "mock" / "mock_anthropic.py"

# Fake keys, long and distinctive so a leak is unmistakable in any output.
KEY_CLI = "sk-ant-test-CLIKEY-" + "c" * 24
KEY_ENV = "sk-ant-test-ENVKEY-" + "e" * 24
KEY_ENV_LOSER = "sk-ant-test-LOSINGENVKEY-" + "l" * 24  # must lose against the config
KEY_UNREACHABLE = "sk-ant-test-UNREACHABLE-" + "u" * 24
AUTH_TOKEN_ENV = "sk-ant-test-AUTHTOKEN-" + "t" * 24  # ANTHROPIC_AUTH_TOKEN, never used
ALL_KEYS = (KEY_CLI, KEY_ENV, KEY_ENV_LOSER, KEY_UNREACHABLE, AUTH_TOKEN_ENV)

STARTUP_TIMEOUT = 120.0

# Server extensions commonly installed next to ours; all test servers but one
# switch them off to start faster (unknown names are ignored by jupyter_server).
_OTHER_EXTENSIONS = (
    "jupyterlab",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "notebook_shim",
    "notebook",
    "nbclassic",
    "jupyter_server_ydoc",
    "jupyter_collaboration",
    "voila",
)

# Environment variables the servers must not inherit from whoever runs pytest.
_SCRUBBED_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "JUPYTER_TOKEN",
    "JUPYTER_PORT",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_client(**kwargs) -> httpx.Client:
    """A test client that ignores proxy settings of the environment."""
    kwargs.setdefault("timeout", 15.0)
    return httpx.Client(trust_env=False, **kwargs)


# --------------------------------------------------------------------------- mock


class Mock:
    """Client of the mock's /_mock control endpoints."""

    def __init__(self, url: str, proc: subprocess.Popen):
        self.url = url.rstrip("/")
        self.proc = proc
        self._http = http_client(base_url=self.url)

    def reset(self) -> None:
        self._http.post("/_mock/reset", json={}).raise_for_status()

    def script(self, *responses: dict) -> None:
        self._http.post("/_mock/script", json={"responses": list(responses)}).raise_for_status()

    def configure(self, **config) -> None:
        self._http.post("/_mock/config", json=config).raise_for_status()

    def requests(self) -> list[dict]:
        r = self._http.get("/_mock/requests")
        r.raise_for_status()
        return r.json()["requests"]

    def wait_for(self, predicate, timeout: float = 2.0, interval: float = 0.05):
        """Poll the request records until predicate(records) is truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.requests()
            result = predicate(records)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(interval)


def _read_ready_line(proc: subprocess.Popen, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump():
        for line in proc.stdout:  # keep draining so the mock never blocks on a full pipe
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if line.startswith("MOCK READY "):
            return line.split(" ", 2)[2].strip()
    raise RuntimeError(f"mock did not print MOCK READY (exit code {proc.poll()})")


@pytest.fixture(scope="session")
def mock_server():
    if not MOCK_SCRIPT.exists():
        pytest.fail(f"the mock Anthropic API is missing: {MOCK_SCRIPT}")
    proc = subprocess.Popen(
        [sys.executable, str(MOCK_SCRIPT), "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_base_env(),
    )
    try:
        url = _read_ready_line(proc, 20.0)
        yield Mock(url, proc)
    finally:
        _stop(proc)


@pytest.fixture
def mock(mock_server):
    """The mock, reset for this test."""
    mock_server.reset()
    return mock_server


# --------------------------------------------------------------------------- jupyter servers


@dataclass
class Server:
    name: str
    port: int
    base_url: str  # e.g. "/user/alice/"
    token: str
    expected_key: str | None
    upstream: str  # what /data-engineer/config should report
    log_path: Path
    proc: subprocess.Popen | None = None
    keys_in_env: tuple[str, ...] = field(default_factory=tuple)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def url(self, path: str) -> str:
        return self.root + path.lstrip("/")

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def client(self, **kwargs) -> httpx.Client:
        return http_client(base_url=self.root, **kwargs)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="session")
def dead_port():
    """A port that is bound but not listening: connecting to it is refused at once."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


@pytest.fixture(scope="session")
def servers(mock_server, dead_port):
    """Five Jupyter servers, one per way of configuring the extension.

    cli_key      key and base URL on the command line; a different key and an
                 unusable base URL in the environment (config must win); a
                 JupyterHub-like base_url; a 2 s request_timeout; DEBUG logs;
                 the other installed server extensions (JupyterLab...) loaded too
    env_key      key and base URL only from the environment
    no_key_custom  no key anywhere, custom base URL (the mock)
    no_key_default no key (config empty, env unset), default upstream
    unreachable  key on the command line, base URL where nothing listens
    """
    tmp = Path(tempfile.mkdtemp(prefix="de-jupyter-"))
    mock_url = mock_server.url
    specs = {
        "cli_key": dict(
            full=True,  # alongside whatever else is installed (JupyterLab, ...)
            base_url="/user/alice/",
            args=[
                f"--DataEngineer.anthropic_api_key={KEY_CLI}",
                f"--DataEngineer.anthropic_base_url={mock_url}",
                "--DataEngineer.request_timeout=2",
                "--ServerApp.log_level=DEBUG",
                "--ContentsManager.allow_hidden=True",
            ],
            env={"ANTHROPIC_API_KEY": KEY_ENV_LOSER, "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{dead_port}"},
            expected_key=KEY_CLI,
            upstream=mock_url,
        ),
        "env_key": dict(
            base_url="/",
            args=[],
            env={
                "ANTHROPIC_API_KEY": KEY_ENV,
                "ANTHROPIC_AUTH_TOKEN": AUTH_TOKEN_ENV,
                "ANTHROPIC_BASE_URL": mock_url + "/",
            },
            expected_key=KEY_ENV,
            upstream=mock_url,
        ),
        "no_key_custom": dict(
            base_url="/",
            args=[f"--DataEngineer.anthropic_base_url={mock_url}"],
            env={},
            expected_key=None,
            upstream=mock_url,
        ),
        "no_key_default": dict(
            base_url="/jupyter/",
            args=["--DataEngineer.anthropic_api_key="],
            env={},
            expected_key=None,
            upstream="https://api.anthropic.com",
        ),
        "unreachable": dict(
            base_url="/",
            args=[
                f"--DataEngineer.anthropic_api_key={KEY_UNREACHABLE}",
                f"--DataEngineer.anthropic_base_url=http://127.0.0.1:{dead_port}",
            ],
            env={},
            expected_key=KEY_UNREACHABLE,
            upstream=f"http://127.0.0.1:{dead_port}",
        ),
    }

    started: dict[str, Server] = {}
    log_files = []
    try:
        for name, spec in specs.items():
            home = tmp / name
            for sub in ("root", "config", "data", "runtime"):
                (home / sub).mkdir(parents=True)
            env = _base_env()
            env.update(
                JUPYTER_CONFIG_DIR=str(home / "config"),
                JUPYTER_DATA_DIR=str(home / "data"),
                JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            )
            env.update(spec["env"])
            server = Server(
                name=name,
                port=free_port(),
                base_url=spec["base_url"],
                token=secrets.token_hex(16),
                expected_key=spec["expected_key"],
                upstream=spec["upstream"],
                log_path=home / "server.log",
                keys_in_env=tuple(v for k, v in spec["env"].items() if k == "ANTHROPIC_API_KEY"),
            )
            extensions = {"jupyterlab_data_engineer": True}
            if not spec.get("full", False):
                # Other installed server extensions only slow startup down.
                extensions.update({name: False for name in _OTHER_EXTENSIONS})
            log = open(server.log_path, "wb")  # noqa: SIM115 - closed at teardown
            log_files.append(log)
            cmd = [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--port={server.port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.token={server.token}",
                "--ServerApp.allow_root=True",
                "--ServerApp.jpserver_extensions=" + repr(extensions),
                f"--ServerApp.root_dir={home / 'root'}",
                f"--ServerApp.base_url={server.base_url}",
                *spec["args"],
            ]
            server.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=str(home),
            )
            started[name] = server

        deadline = time.monotonic() + STARTUP_TIMEOUT
        with http_client(timeout=2.0) as client:
            for server in started.values():
                _wait_until_up(client, server, deadline)
        yield started
    finally:
        procs = [s.proc for s in started.values() if s.proc is not None]
        for proc in procs:  # signal all first: they shut down in parallel
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            _stop(proc)
        for log in log_files:
            log.close()
        if os.environ.get("DE_KEEP_SERVER_LOGS"):
            print(f"server logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _wait_until_up(client: httpx.Client, server: Server, deadline: float) -> None:
    """Wait until the server answers and our extension's route is registered."""
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"jupyter server {server.name!r} exited ({server.proc.returncode}):\n"
                + server.log_text()[-3000:]
            )
        try:
            r = client.get(server.url("data-engineer/config"), headers=server.auth)
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"jupyter server {server.name!r} did not come up:\n" + server.log_text()[-3000:]
            )
        time.sleep(0.1)


@pytest.fixture
def cli_server(servers, mock):
    return servers["cli_key"]


@pytest.fixture
def env_server(servers, mock):
    return servers["env_key"]


def sse_events(data: bytes) -> list[tuple[str, dict]]:
    """Parse an SSE body into (event, data) pairs."""
    events = []
    for block in data.decode().split("\n\n"):
        name, payload = None, None
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                payload = json.loads(line[5:].strip())
        if name:
            events.append((name, payload))
    return events
