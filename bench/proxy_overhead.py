#!/usr/bin/env python3
"""Proxy-overhead benchmark (issue #2): time to first byte of a streamed Messages call.

Starts the mock Messages API (ui-tests/mock/mock_anthropic.py) and a real
``jupyter server`` subprocess with the jupyterlab_data_engineer server extension
pointed at the mock, then sends ``POST /v1/messages`` with ``"stream": true``

* directly to the mock (``x-api-key`` header), and
* through the proxy, ``{base_url}/data-engineer/anthropic/v1/messages``
  (``Authorization: token <t>``; the server adds the key),

interleaved (A/B, then B/A, ...), over one persistent keep-alive connection per
target, each request answered by a freshly scripted short text reply. For every
request it measures, from just before the request is written to the socket:

* TTFB: the first byte of the SSE body (the ``message_start`` event), and
* total: the end of the chunked body (after ``message_stop``).

Usage::

    python bench/proxy_overhead.py [--warmup 5] [--runs 20] [--system-kb 0 32]

``--system-kb`` adds a system prompt of that many KiB to the request body (one
scenario per value), since the proxy reads the whole body before forwarding it;
real chat requests carry a system prompt and tool definitions of a few tens of KiB.
Writes bench/results/proxy_overhead.md and prints it. Exit status 1 when the
TTFB overhead (difference of the medians) of any scenario is not under the 5 ms
target, 2 when the benchmark itself fails.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import http.client
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MOCK = REPO / "ui-tests" / "mock" / "mock_anthropic.py"
RESULTS = HERE / "results" / "proxy_overhead.md"
TARGET_MS = 5.0
FORBIDDEN_PORTS = {8888, 8765}  # used by other test runs; never picked (ephemeral range)
API_KEY = "bench-key"
REPLY_TEXT = "Sure: `df.groupby('day').size()` counts the rows per day."
MODEL = "claude-sonnet-4-6"


def log(*args):
    print("[proxy_overhead]", *args, file=sys.stderr, flush=True)


def percentile(values, q):
    """Nearest-rank percentile (p90 of 20 values is the 18th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class Target:
    """One endpoint reached over a persistent HTTP/1.1 connection."""

    def __init__(self, name, port, path, headers):
        self.name = name
        self.port = port
        self.path = path
        self.headers = headers
        self.conn = None
        self.reconnects = -1  # the first connect is not a reconnect

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.connect()
            # As a browser does; keeps the request itself out of Nagle's way.
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reconnects += 1
        return self.conn

    def stream(self, body: bytes):
        """Send one streamed request; (ttfb_s, total_s, status, body_bytes)."""
        conn = self._connection()
        chunks = []
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            conn.request("POST", self.path, body=body, headers=self.headers)
            response = conn.getresponse()
            first = None
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    break
                if first is None:
                    first = time.perf_counter()
                chunks.append(chunk)
            end = time.perf_counter()
            chunks.append(response.read())  # b"": lets http.client finish the exchange
        finally:
            if gc_was_enabled:
                gc.enable()
        if response.will_close:
            conn.close()
            self.conn = None
        if first is None:
            first = end
        return first - t0, end - t0, response.status, b"".join(chunks)

    def get(self, path):
        """A plain GET on the same connection; seconds to the end of the response."""
        conn = self._connection()
        t0 = time.perf_counter()
        conn.request("GET", path, headers=self.headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - t0
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        if response.will_close:
            conn.close()
            self.conn = None
        return elapsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def control(port, method, path, payload=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        conn.request(method, path, body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data)
    finally:
        conn.close()


def check_sse(data: bytes, what: str):
    text = data.decode("utf-8", "replace")
    if "event: message_start" not in text or "event: message_stop" not in text:
        raise RuntimeError(f"{what}: not a complete SSE stream: {text[:300]!r}")
    pieces = []
    for line in text.splitlines():
        if line.startswith("data: "):
            event = json.loads(line[6:])
            if event.get("type") == "content_block_delta":
                pieces.append(event["delta"].get("text", ""))
    if "".join(pieces) != REPLY_TEXT:
        raise RuntimeError(f"{what}: unexpected reply text {''.join(pieces)!r}")


def wait_http(port, path, headers, proc, what, timeout_s):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
            if response.status == 200:
                return data
            last = f"HTTP {response.status}"
        except OSError as err:
            last = str(err)
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready at :{port}{path} after {timeout_s} s ({last})")


def server_port(runtime_dir: Path, proc, timeout_s) -> int:
    """The port a Jupyter server started with --port=0 listens on (its jpserver-<pid>.json)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter server exited early with code {proc.returncode}")
        for info in runtime_dir.glob("jpserver-*.json"):  # a private dir: ours only
            try:
                port = int(json.loads(info.read_text())["port"])
            except (OSError, ValueError, KeyError):
                continue  # being written
            if port in FORBIDDEN_PORTS:
                raise RuntimeError(f"the server picked port {port}, reserved for other test runs")
            return port
        time.sleep(0.2)
    raise RuntimeError(f"jupyter server wrote no jpserver-*.json within {timeout_s} s")


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def request_body(system_kb: int) -> bytes:
    body = {
        "model": MODEL,
        "max_tokens": 1024,
        "stream": True,
        "messages": [{"role": "user", "content": "How do I count the rows per day?"}],
    }
    if system_kb:
        line = "You are a senior data engineer working in JupyterLab. Be precise.\n"
        text = (line * (system_kb * 1024 // len(line) + 1))[: system_kb * 1024]
        body["system"] = [{"type": "text", "text": text}]
    return json.dumps(body).encode()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=5, help="warm-up requests per target")
    parser.add_argument("--runs", type=int, default=20, help="measured requests per target")
    parser.add_argument(
        "--system-kb", type=int, nargs="+", default=[0, 32],
        help="system-prompt sizes in KiB, one scenario each (default: 0 32)",
    )
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after the server is up (default 5)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--installed", action="store_true",
        help="use the installed jupyterlab_data_engineer package instead of this checkout's",
    )
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="de-proxy-bench-"))
    (tmp / "root").mkdir()
    (tmp / "runtime").mkdir()
    mock = server = None
    ok = False
    try:
        # 1. The mock Messages API; --port 0 lets the OS pick a free port (no race).
        mock = subprocess.Popen(
            [sys.executable, str(MOCK), "--port", "0", "--host", "127.0.0.1"],
            stdout=subprocess.PIPE, stderr=open(tmp / "mock.log", "wb"),
            start_new_session=True, text=True,
        )
        ready = mock.stdout.readline().strip()
        if not ready.startswith("MOCK READY"):
            raise RuntimeError(f"mock did not start: {ready!r}")
        mock.stdout.close()
        mock_port = int(ready.rsplit(":", 1)[1])
        if mock_port in FORBIDDEN_PORTS:
            raise RuntimeError(f"the mock picked port {mock_port}, reserved for other test runs")

        # 2. A real jupyter server with the extension, pointed at the mock. Port 0:
        #    the server picks a free port and writes it to its runtime file.
        token = secrets.token_hex(16)
        server_log = tmp / "jupyter-server.log"
        cmd = [
            "jupyter", "server",
            "--allow-root", "--no-browser",
            "--ip=127.0.0.1", "--port=0", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp / 'root'}",
            "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True}",
            f"--DataEngineer.anthropic_base_url=http://127.0.0.1:{mock_port}",
            f"--DataEngineer.anthropic_api_key={API_KEY}",
        ]
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
        env.pop("ANTHROPIC_API_KEY", None)
        env.pop("ANTHROPIC_BASE_URL", None)
        if not args.installed:
            # Measure this checkout's server extension, whatever is pip-installed.
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        package_file = subprocess.run(
            [sys.executable, "-c",
             "import jupyterlab_data_engineer as m; print(m.__file__, m.__version__)"],
            env=env, cwd=tmp, capture_output=True, text=True, check=True,
        ).stdout.strip()
        log(f"server extension: {package_file}")
        server = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=open(server_log, "wb"),
            start_new_session=True, env=env, cwd=tmp,
        )
        port = server_port(tmp / "runtime", server, 120)
        auth = {"Authorization": f"token {token}"}
        wait_http(port, "/api/status", auth, server, "jupyter server", 120)
        config = json.loads(wait_http(port, "/data-engineer/config", auth, server,
                                      "data-engineer config", 10))
        if not config.get("has_key") or config.get("upstream") != f"http://127.0.0.1:{mock_port}":
            raise RuntimeError(f"unexpected /data-engineer/config: {config}")
        log(f"mock on :{mock_port}, jupyter server on :{port} (log {server_log})")
        # Let the server's own start-up work (extension scans such as jupyter_lsp's
        # language-server search) finish before measuring.
        time.sleep(args.settle)

        common = {
            "content-type": "application/json",
            "accept": "application/json",
            "anthropic-version": "2023-06-01",
        }
        direct = Target("direct (mock)", mock_port, "/v1/messages",
                        dict(common, **{"x-api-key": API_KEY}))
        proxied = Target("through proxy", port, "/data-engineer/anthropic/v1/messages",
                         dict(common, **auth))
        script = {"responses": [{"blocks": [{"type": "text", "text": REPLY_TEXT}],
                                 "chunk_size": 16, "delay_ms": 0}]}

        load_before = os.getloadavg()
        scenarios = []
        for kib in args.system_kb:
            body = request_body(kib)
            control(mock_port, "POST", "/_mock/reset")
            samples = {direct.name: [], proxied.name: []}
            pairs = []  # (direct, proxied) of one iteration, for paired differences
            for i in range(args.warmup + args.runs):
                order = (direct, proxied) if i % 2 == 0 else (proxied, direct)
                result = {}
                for target in order:
                    control(mock_port, "POST", "/_mock/script", script)
                    ttfb, total, status, data = target.stream(body)
                    if status != 200:
                        raise RuntimeError(f"{target.name}: HTTP {status}: {data[:300]!r}")
                    check_sse(data, target.name)
                    result[target.name] = (ttfb, total)
                if i >= args.warmup:
                    for name, value in result.items():
                        samples[name].append(value)
                    pairs.append((result[direct.name], result[proxied.name]))
            records = control(mock_port, "GET", "/_mock/requests")["requests"]
            expected = 2 * (args.warmup + args.runs)
            if len(records) != expected:
                raise RuntimeError(f"mock saw {len(records)} requests, expected {expected}")
            bad = [r for r in records if r["headers"].get("x-api-key") != API_KEY
                   or "authorization" in r["headers"]]
            if bad:
                raise RuntimeError(f"{len(bad)} upstream requests without the server's key "
                                   f"or with an authorization header")
            if not all(r["finished"] and r["status"] == 200 for r in records):
                raise RuntimeError("some mock responses did not finish with 200")
            scenarios.append((kib, len(body), samples, pairs))

        # Context: Jupyter's own floor for an authenticated request on the same
        # server and connection (no proxying), GET /api/status.
        status_times = [proxied.get("/api/status") for _ in range(args.warmup + args.runs)]
        status_times = status_times[args.warmup:]
        load_after = os.getloadavg()
        reconnects = {t.name: t.reconnects for t in (direct, proxied)}
        direct.close()
        proxied.close()
        context = {
            "package": package_file,
            "load": (load_before, load_after),
            "status_median": statistics.median(status_times),
            "status_p90": percentile(status_times, 90),
        }
        report = render(args, scenarios, direct.name, proxied.name, reconnects, context)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
        print(report)
        log(f"wrote {args.output}")
        ok = True
        overheads = [
            (statistics.median(v[0] for v in samples[proxied.name])
             - statistics.median(v[0] for v in samples[direct.name])) * 1000
            for _, _, samples, _ in scenarios
        ]
        return 0 if all(o < TARGET_MS for o in overheads) else 1
    finally:
        stop(server)
        stop(mock)
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp} (logs) for inspection")


def render(args, scenarios, direct_name, proxy_name, reconnects, context) -> str:
    ms = lambda s: f"{s * 1000:.2f}"  # noqa: E731
    versions = {}
    for module in ("jupyter_server", "tornado", "httpx"):
        try:
            mod = __import__(module)
            versions[module] = getattr(mod, "__version__", None) or getattr(mod, "version", "?")
        except Exception:  # pragma: no cover - informational only
            versions[module] = "?"
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                         capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "jupyterlab_data_engineer"],
                           cwd=REPO, capture_output=True, text=True).stdout.strip()
    lines = [
        "# Proxy overhead: time to first byte of a streamed `POST /v1/messages`",
        "",
        f"Generated by `python bench/proxy_overhead.py` on "
        f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}.",
        "",
        f"- Mock Messages API (`ui-tests/mock/mock_anthropic.py`) vs. the same mock behind the "
        f"`jupyterlab_data_engineer` proxy of a real `jupyter server` (token auth), both on "
        f"127.0.0.1; one keep-alive connection per target (reconnects during the run: "
        f"{', '.join(f'{k} {v}' for k, v in reconnects.items())}).",
        f"- {args.warmup} warm-up + {args.runs} measured requests per target and scenario, "
        f"interleaved (A/B then B/A); each answered by a scripted short text reply "
        f"({len(REPLY_TEXT)} characters, 16 per delta, no delays): 7 SSE events.",
        "- TTFB: from just before the request is written to the first byte of the SSE body "
        "(the `message_start` event). Total: to the end of the chunked body.",
        f"- Python {platform.python_version()}, jupyter_server {versions['jupyter_server']}, "
        f"tornado {versions['tornado']}, httpx {versions['httpx']}; "
        f"git `{git}`"
        f"{' with uncommitted changes in jupyterlab_data_engineer/' if dirty else ''}; "
        f"server extension loaded from `{context['package']}`.",
        f"- Load average (1 min) before / after: {context['load'][0][0]:.2f} / "
        f"{context['load'][1][0]:.2f} on {os.cpu_count()} CPUs. The three processes (client, "
        "Jupyter, mock) compete for the CPUs; on a busy machine the proxy's extra hop costs "
        "more, mostly in the p90.",
        *(
            [f"- **Busy machine** (load average {context['load'][0][0]:.1f} ≥ {os.cpu_count()} "
             "CPUs): these numbers are inflated by CPU contention; re-run on a quiet machine."]
            if max(context["load"][0][0], context["load"][1][0]) >= (os.cpu_count() or 1)
            else []
        ),
        f"- For scale: an authenticated `GET /api/status` on the same Jupyter server (no "
        f"proxying) takes {ms(context['status_median'])} ms median, "
        f"{ms(context['status_p90'])} ms p90.",
        "",
    ]
    verdicts = []
    for kib, body_len, samples, pairs in scenarios:
        d = samples[direct_name]
        p = samples[proxy_name]
        lines += [
            f"## Request body {body_len} bytes"
            + (f" ({kib} KiB system prompt)" if kib else " (no system prompt)"),
            "",
            "| | TTFB median (ms) | TTFB p90 (ms) | TTFB min (ms) | total median (ms) "
            "| total p90 (ms) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, values in ((direct_name, d), (proxy_name, p)):
            ttfb = [v[0] for v in values]
            total = [v[1] for v in values]
            lines.append(
                f"| {name} | {ms(statistics.median(ttfb))} | {ms(percentile(ttfb, 90))} | "
                f"{ms(min(ttfb))} | {ms(statistics.median(total))} | {ms(percentile(total, 90))} |"
            )
        def stat(values, i, f):
            return f([v[i] for v in values])

        med = lambda v: statistics.median(v)  # noqa: E731
        p90 = lambda v: percentile(v, 90)  # noqa: E731
        lines.append(
            "| **overhead** (proxy − direct) | "
            f"**{ms(stat(p, 0, med) - stat(d, 0, med))}** | "
            f"{ms(stat(p, 0, p90) - stat(d, 0, p90))} | "
            f"{ms(stat(p, 0, min) - stat(d, 0, min))} | "
            f"{ms(stat(p, 1, med) - stat(d, 1, med))} | "
            f"{ms(stat(p, 1, p90) - stat(d, 1, p90))} |"
        )
        ttfb_diff = [pr[0] - di[0] for di, pr in pairs]
        total_diff = [pr[1] - di[1] for di, pr in pairs]
        verdicts.append((body_len, (stat(p, 0, med) - stat(d, 0, med)) * 1000))
        lines += [
            "",
            f"Paired differences (proxy − direct within one iteration, {len(pairs)} pairs): "
            f"TTFB median {ms(med(ttfb_diff))} ms, p90 {ms(p90(ttfb_diff))} ms; "
            f"total median {ms(med(total_diff))} ms, p90 {ms(p90(total_diff))} ms.",
            "",
        ]
    lines += [
        f"Target (issue #2): proxy TTFB overhead (difference of the medians) under "
        f"{TARGET_MS:g} ms: " + "; ".join(
            f"{n} B body {m:.2f} ms **{'PASS' if m < TARGET_MS else 'FAIL'}**" for n, m in verdicts),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:  # exit status 2: the benchmark itself failed
        import traceback

        traceback.print_exc()
        log(f"FAILED: {err}")
        sys.exit(2)
