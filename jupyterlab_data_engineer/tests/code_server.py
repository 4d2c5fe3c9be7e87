"""A real `jupyter server` with the extension for the code tools' routes (problems, usages, GitHub).

Token auth and XSRF on (jupyter_server's defaults), a root the test fills, extra
``--DataEngineer.*`` arguments per suite.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from .conftest import _base_env, _stop, free_port, http_client


@contextmanager
def code_server(home: Path, root: Path, *extra: str):
    """Start a server on ``root``; yield {"base", "token", "root", "post", "get"}."""
    for folder in (root, home / "config", home / "runtime", home / "data"):
        folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    port = free_port()
    env = _base_env()
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter_server", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.token={token}", "--ServerApp.allow_root=True",
            "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True}",
            f"--ServerApp.root_dir={root}", *extra,
        ],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(home),
    )
    base = f"http://127.0.0.1:{port}/"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        with http_client(timeout=2.0) as client:
            while True:
                assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
                try:
                    if client.get(base + "api/status", headers=headers).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "jupyter server did not start"
                time.sleep(0.1)

        def post(route: str, body, auth: bool = True, **kwargs):
            sent = {**(headers if auth else {}), **kwargs.pop("headers", {})}
            with http_client(timeout=60.0) as client:
                return client.post(base + "data-engineer/" + route, json=body, headers=sent, **kwargs)

        def get(route: str, auth: bool = True, **kwargs):
            with http_client(timeout=60.0) as client:
                return client.get(base + "data-engineer/" + route, headers=headers if auth else {}, **kwargs)

        yield {"base": base, "token": token, "root": root, "post": post, "get": get, "log": home / "server.log"}
    finally:
        _stop(proc)
        log.close()
