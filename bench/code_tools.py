"""get_problems on a 200-cell notebook, and search_github_repo on a cached 5,000-file repository.

Starts its own `jupyter server` (token auth, a throw-away root), times the routes the tools
call (what the page waits for), writes bench/results/code_tools.md. Targets (issue 31):
get_problems ≤ 300 ms, search_github_repo on a cached repo ≤ 500 ms. Exit 0 when met, 1 when
not, 2 on an error.

    python bench/code_tools.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook_200() -> dict:
    """200 cells as a data notebook has them: imports, pandas work, SQL cells, a few problems."""
    cells = [{"id": "c0", "cell_type": "code", "source": "import pandas as pd\nimport duckdb\ncon = duckdb.connect()\n"}]
    for i in range(1, 200):
        kind = i % 5
        if kind == 0:
            source = f"%%sql\nSELECT customer_id, sum(amount) AS total_{i}\nFROM orders\nWHERE day > '2026-01-01'\nGROUP BY 1\n"
        elif kind == 1:
            source = f"# Step {i}\nThe orders of step {i}."
            cells.append({"id": f"c{i}", "cell_type": "markdown", "source": source})
            continue
        elif kind == 2:
            source = (f"df_{i} = pd.DataFrame({{'a': range(10)}})\n"
                      f"df_{i}['b'] = df_{i}['a'] * 2\nsummary_{i} = df_{i}.describe()\n")
        elif kind == 3:
            source = f"rows_{i} = con.sql('''\n    SELECT a, b FROM t_{i} WHERE a > {i}\n''').fetchall()\n"
        else:
            source = f"def step_{i}(frame):\n    return frame.assign(c=frame['a'] + {i})\n\n\nresult_{i} = step_{i}(df_{i - 2})\n"
        cells.append({"id": f"c{i}", "cell_type": "code", "source": source})
    # Three real problems, as a user's notebook has some.
    cells[13]["source"] += "print(undefined_total)\n"
    cells[50]["source"] = "%%sql\nSELECT a,\nFROM t WHERE\n"
    cells[120]["source"] += "import os\n"
    return {"cells": cells, "language": "python"}


def start_server(home: Path, root: Path, extra: list[str]) -> tuple[subprocess.Popen, str, dict]:
    for folder in (root, home / "config", home / "runtime", home / "data"):
        folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "JUPYTER_")) and "proxy" not in k.lower()}
    env.update(PYTHONPATH=str(REPO), JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--ServerApp.token={token}", "--ServerApp.allow_root=True",
         "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True, 'jupyterlab': False, "
         "'jupyter_lsp': False, 'notebook': False, 'jupyter_server_terminals': False, 'notebook_shim': False}",
         f"--ServerApp.root_dir={root}", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(home),
    )
    base = f"http://127.0.0.1:{port}/"
    headers = {"Authorization": f"token {token}"}
    deadline = time.monotonic() + 60
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("jupyter server exited")
            try:
                if client.get(base + "api/status", headers=headers).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("jupyter server did not start")
            time.sleep(0.1)
    return proc, base, headers


def timed(client: httpx.Client, url: str, body: dict, headers: dict, runs: int) -> tuple[list[float], dict]:
    times, answer = [], {}
    for _ in range(runs + 2):
        start = time.perf_counter()
        r = client.post(url, json=body, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
        answer = r.json()
    return times[2:], answer  # two warm-up calls: imports and ruff's first start


def bench_problems(client, base, headers, runs) -> dict:
    times, answer = timed(client, base + "data-engineer/problems",
                          {"notebooks": [{"path": "bench.ipynb", **notebook_200()}]}, headers, runs)
    return {"times": times, "problems": answer["total"], "codes": sorted({p["code"] for p in answer["problems"]})}


def bench_github(client, base, headers, runs, fake) -> dict:
    url = base + "data-engineer/github/search"
    body = {"repo": "bench/big", "query": "load_orders warehouse"}
    start = time.perf_counter()
    r = client.post(url, json=body, headers=headers)
    r.raise_for_status()
    first = (time.perf_counter() - start) * 1000
    times, answer = timed(client, url, body, headers, runs)
    return {"times": times, "first": first, "files": answer["files"], "downloaded": answer["downloaded"],
            "snippets": len(answer["snippets"]), "downloads": fake.downloads("bench/big")}


def repo_5000() -> dict:
    """5,000 files (~2 KB each, ~10 MB) as a mid-sized Python project has them."""
    files = {}
    for i in range(5000):
        folder = f"pkg/mod{i // 100}"
        body = "\n".join(
            [f'"""Module {i}: helpers for step {i}."""', "", "import os", ""]
            + [f"def helper_{i}_{k}(frame, column='amount_{k}'):\n    return frame[column].sum() * {k}\n" for k in range(12)]
        )
        if i == 4321:
            body += "\n\ndef load_orders(con):\n    # the warehouse load\n    return con.sql('SELECT 1')\n"
        files[f"{folder}/file_{i}.py"] = body
    return files


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rows = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="de-bench-code-") as tmp:
        home = Path(tmp)
        sys.path.insert(0, str(REPO))
        from jupyterlab_data_engineer.tests.github_fake import FakeGitHub

        fake = FakeGitHub()
        fake.repos["bench/big"] = {"main": repo_5000()}
        proc, base, headers = start_server(home, home / "root", [
            f"--DataEngineer.github_api_url={fake.url}", f"--DataEngineer.github_cache_dir={home / 'cache'}"])
        try:
            with httpx.Client(trust_env=False, timeout=120.0) as client:
                p = bench_problems(client, base, headers, args.runs)
                g = bench_github(client, base, headers, args.runs, fake)
        finally:
            proc.terminate()
            proc.wait(10)
            fake.close()
    med = statistics.median(p["times"])
    p90 = sorted(p["times"])[int(0.9 * (len(p["times"]) - 1))]
    ok &= med <= 300
    rows.append(f"| get_problems, 200-cell notebook (open copy), ruff + sqlglot | ≤ 300 ms | {med:.0f} ms median, p90 {p90:.0f} "
                f"({p['problems']} problems: {', '.join(p['codes'])}) |")
    gmed = statistics.median(g["times"])
    gp90 = sorted(g["times"])[int(0.9 * (len(g["times"]) - 1))]
    ok &= gmed <= 500 and g["downloads"] == 1
    rows.append(f"| search_github_repo, cached repository of {g['files']} files | ≤ 500 ms | {gmed:.0f} ms median, p90 {gp90:.0f} "
                f"({g['snippets']} snippets; the first search, with the download and unpacking from a local server: "
                f"{g['first']:.0f} ms; {g['downloads']} download) |")
    load = os.getloadavg()[0]
    report = "\n".join([
        "# Code tools (issue 31)", "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load:.1f}, {args.runs} runs after 2 warm-up calls,",
        "time of the route's HTTP round trip (what the tool waits for).", "",
        "| what | target | measured |", "| --- | --- | --- |", *rows, "",
    ])
    out = REPO / "bench" / "results" / "code_tools.md"
    out.write_text(report)
    print(report)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as err:  # noqa: BLE001
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
