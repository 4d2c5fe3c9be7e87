"""The proxy as a JupyterHub service holding the key; a user server with no key uses it.

The service runs the recipe of README.md's JupyterHub section: a tokenless
Jupyter server with only this extension and the ProxyOnlyAuthorizer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import _OTHER_EXTENSIONS, Server, _base_env, _stop, _wait_until_up, free_port, http_client
from .test_proxy import MESSAGES, SDK_HEADERS, api_records, message_body

KEY_SERVICE = "sk-ant-test-HUBSERVICE-" + "h" * 24


class OpenServer(Server):
    """A server without a token: requests carry no Authorization header at all."""

    @property
    def auth(self) -> dict[str, str]:
        return {}


def _start(tmp: Path, name: str, args: list[str], env: dict[str, str], token: str) -> Server:
    home = tmp / name
    for sub in ("root", "config", "data", "runtime"):
        (home / sub).mkdir(parents=True)
    server = (OpenServer if not token else Server)(name=name, port=free_port(), base_url="/", token=token, expected_key=None,
                    upstream="", log_path=home / "server.log")
    full_env = _base_env()
    full_env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                    JUPYTER_RUNTIME_DIR=str(home / "runtime"), **env)
    extensions = {"jupyterlab_data_engineer": True, **{n: False for n in _OTHER_EXTENSIONS}}
    log = open(server.log_path, "wb")  # noqa: SIM115 - closed with the process
    server.proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--port={server.port}", "--ServerApp.port_retries=0", "--ServerApp.allow_root=True",
         "--ServerApp.jpserver_extensions=" + repr(extensions),
         f"--ServerApp.root_dir={home / 'root'}", *args],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full_env, cwd=str(home))
    log.close()
    return server


@pytest.fixture(scope="module")
def hub(mock_server):
    tmp = Path(tempfile.mkdtemp(prefix="de-hub-"))
    started = []
    try:
        service = _start(tmp, "service", [
            "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
            "--ServerApp.terminals_enabled=False",
            "--ServerApp.authorizer_class=jupyterlab_data_engineer.service.ProxyOnlyAuthorizer",
        ], {"ANTHROPIC_API_KEY": KEY_SERVICE, "ANTHROPIC_BASE_URL": mock_server.url}, token="")
        started.append(service)
        user = _start(tmp, "user", [f"--ServerApp.token={'u' * 32}"],
                      {"ANTHROPIC_BASE_URL": service.url("data-engineer/anthropic")}, token="u" * 32)
        started.append(user)
        deadline = time.monotonic() + 60
        with http_client(timeout=2.0) as client:
            for server in started:
                _wait_until_up(client, server, deadline)
        yield service, user
    finally:
        for server in started:
            _stop(server.proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_user_server_without_key_goes_through_the_service(hub, mock):
    service, user = hub
    with user.client() as c:
        r = c.post(MESSAGES, headers={**user.auth, **SDK_HEADERS}, json=message_body())
        cfg = c.get("data-engineer/config", headers=user.auth).json()
    assert r.status_code == 200, r.text
    (record,) = api_records(mock)
    assert record["headers"]["x-api-key"] == KEY_SERVICE
    assert KEY_SERVICE not in r.text
    assert cfg["has_key"] is False and cfg["upstream"] == f"http://127.0.0.1:{service.port}"


@pytest.mark.parametrize("method,path", [
    ("GET", "api/kernels"), ("POST", "api/kernels"), ("GET", "api/contents"),
    ("GET", "api/sessions"), ("POST", "api/terminals"), ("GET", "files/x.txt"),
])
def test_the_tokenless_service_serves_the_proxy_and_nothing_else(hub, mock, method, path):
    service, _ = hub
    (Path(service.log_path).parent / "root" / "x.txt").write_text("x")
    with service.client() as c:
        r = c.request(method, path, json={"name": "python3"} if method == "POST" else None)
        assert r.status_code in (403, 404), (path, r.status_code, r.text[:200])
        assert c.get("data-engineer/config").json()["has_key"] is True


@pytest.mark.parametrize("method,path,body", [
    ("GET", "data-engineer/mcp/servers", None),
    ("POST", "data-engineer/mcp/trust", {"hash": "0" * 64}),
    ("POST", "data-engineer/mcp/servers/x/start", {"inputs": {}}),
    ("POST", "data-engineer/mcp/servers/x/call", {"tool": "t", "arguments": {}, "inputs": {}}),
    ("POST", "data-engineer/files/inside", {"paths": ["a", "../../etc/passwd"]}),
])
def test_the_tokenless_service_refuses_the_other_data_engineer_routes(hub, method, path, body):
    # The MCP bridge (which can start processes) and the symlink check share the
    # "data-engineer" auth resource with the proxy; the service must admit only the proxy
    # and the config route (docs/admin.md, JupyterHub).
    service, user = hub
    with service.client() as c:
        r = c.request(method, path, json=body)
        assert r.status_code == 403, (path, r.status_code, r.text[:200])
        assert c.get("data-engineer/anthropic/v1/models").status_code != 403
    with user.client() as c:  # a normal server (default authorizer) still serves them
        r = c.request(method, path, json=body, headers=user.auth)
        assert r.status_code != 403, (path, r.status_code, r.text[:200])
