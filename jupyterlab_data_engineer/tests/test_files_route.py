"""The symlink check route (files.py) against a real `jupyter server`.

One server of its own: token auth on, XSRF on (jupyter_server's default), a
root holding a link into the root, a link out of it and a linked folder.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import httpx
import pytest

from .conftest import _base_env, _stop, http_client

PORT = 9121  # this suite's port (the helper's range is 9100-9149)


@pytest.fixture(scope="module")
def linked_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("files-route")
    root = home / "root"
    outside = home / "outside"
    for folder in (root / "data", outside, home / "config", home / "runtime", home / "data"):
        folder.mkdir(parents=True)
    (root / "data" / "orders.csv").write_text("id\n1\n")
    (outside / "secret.txt").write_text("secret\n")
    os.symlink(outside / "secret.txt", root / "secret_link.txt")
    os.symlink(outside, root / "linked_dir")
    os.symlink(root / "data" / "orders.csv", root / "inner_link.csv")
    token = secrets.token_hex(16)
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
            "--ServerApp.ip=127.0.0.1", f"--port={PORT}", "--ServerApp.port_retries=0",
            f"--ServerApp.token={token}", "--ServerApp.allow_root=True",
            "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True}",
            f"--ServerApp.root_dir={root}", "--ServerApp.base_url=/user/bob/",
        ],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(home),
    )
    base = f"http://127.0.0.1:{PORT}/user/bob/"
    try:
        deadline = time.monotonic() + 60
        with http_client(timeout=2.0) as client:
            while True:
                assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
                try:
                    if client.get(base + "api/status", headers={"Authorization": f"token {token}"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "jupyter server did not start"
                time.sleep(0.1)
        yield {"base": base, "token": token, "root": root}
    finally:
        _stop(proc)
        log.close()


def _post(server, body, token=True, **kwargs):
    headers = {"Authorization": f"token {server['token']}"} if token else {}
    with http_client() as client:
        return client.post(server["base"] + "data-engineer/files/inside", json=body, headers=headers, **kwargs)


def test_links_leading_out_of_the_root_are_named(linked_server):
    paths = [
        "data/orders.csv",
        "secret_link.txt",
        "linked_dir",
        "linked_dir/secret.txt",
        "linked_dir/new_file.txt",
        "inner_link.csv",
        "data/not_yet.csv",
        "",
    ]
    r = _post(linked_server, {"paths": paths})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "checked": True,
        "outside": ["secret_link.txt", "linked_dir", "linked_dir/secret.txt", "linked_dir/new_file.txt"],
    }


def test_dot_dot_and_nul_never_count_as_inside(linked_server):
    r = _post(linked_server, {"paths": ["../outside/secret.txt", "data/../../x", "a\u0000b"]})
    assert r.json()["outside"] == ["../outside/secret.txt", "data/../../x", "a\u0000b"]


def test_refused_without_a_token(linked_server):
    r = _post(linked_server, {"paths": ["secret_link.txt"]}, token=False)
    assert r.status_code == 403
    assert "outside" not in r.text


def test_refused_with_a_session_cookie_but_no_xsrf_token(linked_server):
    """A browser request carrying the login cookie but not the XSRF header (a cross-site form post)."""
    with http_client(follow_redirects=False) as client:
        login = client.get(linked_server["base"] + "login?token=" + linked_server["token"])
        assert login.status_code in (200, 302)
        assert client.cookies, "the token login sets a session cookie"
        r = client.post(linked_server["base"] + "data-engineer/files/inside", json={"paths": ["x"]})
    assert r.status_code == 403
    assert "XSRF" in r.text or "xsrf" in r.text.lower()


@pytest.mark.parametrize(
    "body",
    [{"paths": "x"}, {"paths": [1]}, {"nope": []}, {"paths": ["a"] * 2001}],
)
def test_bad_bodies_are_refused_with_400(linked_server, body):
    r = _post(linked_server, body)
    assert r.status_code == 400


def test_invalid_json_is_a_400(linked_server):
    r = _post(linked_server, None, content=b"{not json")
    assert r.status_code == 400
