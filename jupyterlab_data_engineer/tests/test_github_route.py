"""search_github_repo's routes (github_repo.py) against a real `jupyter server` and a local GitHub stand-in."""

from __future__ import annotations

import os

import pytest

from .code_server import code_server
from .github_fake import FakeGitHub

TOKEN = "ghp_test-SECRET-" + "g" * 20

LOADER = '''"""Load orders into the warehouse."""

import duckdb


def load_orders(con, path):
    """Read the orders CSV and insert it."""
    con.execute("INSERT INTO orders SELECT * FROM read_csv(?)", [path])
    return con


def unrelated():
    return 42
'''


@pytest.fixture(scope="module")
def github():
    fake = FakeGitHub()
    fake.repos["acme/etl"] = {
        "main": {"README.md": "# ETL\nLoads orders.\n", "etl/loader.py": LOADER, "etl/other.py": "x = 1\n",
                 "docs/guide.md": "Nothing about loading here.\n"},
        "v1.0": {"etl/loader.py": "def load_orders_v1():\n    pass\n"},
    }
    fake.repos["acme/big"] = {"main": {f"data/{i}.txt": os.urandom(40_000).hex() for i in range(10)}}
    fake.repos["acme/a"] = {"main": {"a.py": "alpha = 1\n" * 9000}}
    fake.repos["acme/b"] = {"main": {"b.py": "bravo = 1\n" * 9000}}
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, github):
    home = tmp_path_factory.mktemp("github-route")
    with code_server(
        home, home / "root",
        f"--DataEngineer.github_api_url={github.url}",
        f"--DataEngineer.github_token={TOKEN}",
        f"--DataEngineer.github_cache_dir={home / 'cache'}",
        "--DataEngineer.github_repo_max_bytes=200000",
        "--DataEngineer.github_cache_max_bytes=250000",
    ) as s:
        s["cache"] = home / "cache"
        yield s


def test_first_search_downloads_then_the_cache_answers(server, github):
    status = server["get"]("github/status", params={"repo": "acme/etl"}).json()
    assert status == {"host": github.host, "repo": "acme/etl", "ref": None, "cached": False, "max_bytes": 200000}
    r = server["post"]("github/search", {"repo": "acme/etl", "query": "load orders csv"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["downloaded"] is True and body["ref"] == "main" and body["host"] == github.host
    best = body["snippets"][0]
    assert best["path"] == "etl/loader.py"
    assert "Load orders" in best["text"] and best["match_line"] == 1  # the first line with the most terms
    assert best["start_line"] <= best["match_line"] <= best["end_line"]
    assert github.downloads("acme/etl") == 1
    # The token went to GitHub, from the server.
    assert all(auth == f"Bearer {TOKEN}" for path, auth in github.requests if path.startswith("/repos/acme/etl"))
    status = server["get"]("github/status", params={"repo": "acme/etl"}).json()
    assert status["cached"] is True and status["ref"] == "main" and status["files"] == 4
    again = server["post"]("github/search", {"repo": "acme/etl", "query": "unrelated", "path": "etl"}).json()
    assert again["downloaded"] is False and github.downloads("acme/etl") == 1
    assert [s["path"] for s in again["snippets"]] == ["etl/loader.py"]
    # The archive's symlink was not unpacked.
    assert not any(p.name == "escape" for p in server["cache"].rglob("*"))


def test_a_ref_is_its_own_download(server, github):
    body = server["post"]("github/search", {"repo": "acme/etl", "ref": "v1.0", "query": "load_orders_v1"}).json()
    assert body["downloaded"] is True and body["ref"] == "v1.0"
    assert body["snippets"][0]["path"] == "etl/loader.py"


def test_an_archive_over_the_cap_is_refused(server):
    r = server["post"]("github/search", {"repo": "acme/big", "query": "anything"})
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["kind"] == "too_large" and "github_repo_max_bytes" in error["message"]
    assert server["get"]("github/status", params={"repo": "acme/big"}).json()["cached"] is False


def test_404_and_the_rate_limit_read_plainly(server, github):
    r = server["post"]("github/search", {"repo": "acme/nope", "query": "x y"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == f"acme/nope was not found on {github.host}."
    r = server["post"]("github/search", {"repo": "limited/repo", "query": "x y"})
    assert r.status_code == 429
    message = r.json()["error"]["message"]
    assert "rate limit" in message and "resets at" in message and "UTC" in message
    r = server["post"]("github/search", {"repo": "dropped/repo", "query": "x y"})
    assert r.status_code == 502 and "could not be reached" in r.json()["error"]["message"]


def test_least_recently_used_repositories_leave_the_cache(server):
    assert server["post"]("github/search", {"repo": "acme/a", "query": "alpha"}).json()["downloaded"] is True
    assert server["post"]("github/search", {"repo": "acme/b", "query": "bravo"}).json()["downloaded"] is True
    # 90 KB each against a 250 KB cache: acme/etl (searched longest ago) and its v1.0 went first; a stays.
    assert server["get"]("github/status", params={"repo": "acme/b"}).json()["cached"] is True
    total = sum(p.stat().st_size for p in server["cache"].rglob("*") if p.is_file())
    assert total <= 250000 + 4096


def test_bad_input_and_authentication(server):
    assert server["post"]("github/search", {"repo": "not a repo", "query": "x"}).status_code == 400
    assert server["post"]("github/search", {"repo": "acme/etl", "query": "  "}).status_code == 400
    assert server["post"]("github/search", {"repo": "acme/etl", "ref": "../x", "query": "q"}).status_code == 400
    assert server["post"]("github/search", {"repo": "acme/etl", "query": "x"}, auth=False).status_code == 403
    assert server["get"]("github/status", params={"repo": "acme/etl"}, auth=False).status_code == 403
    # The token is never in what the page can read.
    assert TOKEN not in server["get"]("config").text
