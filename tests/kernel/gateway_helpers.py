"""The gateway loaded the way the frontend will load it: query_engines.py then
query_gateway.py, concatenated, through inspector.py's bootstrap template, into the
private module `__jl_data_engineer_query__` (the other query helper files may follow;
the gateway does not need them). Also the sentinels the red-team tests use to prove that
a refused statement opened no file and made no connection.
"""

from __future__ import annotations

import http.server
import json
import os
import socketserver
import sys
import threading
import time
from pathlib import Path

from conftest import bootstrap_template

REPO_ROOT = Path(__file__).resolve().parents[2]
GATEWAY_FILES = ["query_engines.py", "query_gateway.py"]
QUERY_MODULE = "__jl_data_engineer_query__"


def _find(name: str) -> Path:
    """The helper file wherever it lives (src/kernel today, src/query/kernel later)."""
    for where in ("src/kernel", "src/query/kernel"):
        p = REPO_ROOT / where / name
        if p.exists():
            return p
    hits = sorted(REPO_ROOT.glob("src/**/%s" % name))
    if not hits:
        raise FileNotFoundError(name)
    return hits[0]


def gateway_source() -> str:
    return "\n\n".join(_find(f).read_text(encoding="utf-8") for f in GATEWAY_FILES)


def gateway_bootstrap() -> str:
    template = bootstrap_template().replace("__jl_data_engineer__", QUERY_MODULE)
    return template.replace("<SOURCE>", json.dumps(gateway_source()))


def load_gateway_module():
    sys.modules.pop(QUERY_MODULE, None)
    ns = {"__builtins__": __builtins__, "__name__": "__main__"}
    exec(gateway_bootstrap(), ns)
    assert set(ns) == {"__builtins__", "__name__"}
    return sys.modules[QUERY_MODULE]


def call(mod, fn, *args):
    """A JSON entry point's answer, parsed (as the frontend does)."""
    return json.loads(getattr(mod, fn)(*args))


# ---------------------------------------------------------------- sentinels

class Listener:
    """An HTTP server on 127.0.0.1 that counts every connection made to it."""

    def __init__(self):
        self.connections = 0
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self):
                outer.connections += 1
                super().setup()

            def do_GET(self):  # noqa: N802
                outer.paths.append(self.path)
                body = b"a,b\n1,2\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FifoSentinel:
    """A named pipe whose opening is detected: a watcher thread keeps trying to open it for
    writing without blocking, which succeeds only while some reader has it open; it then
    writes the secret (so a reader is not left blocked) and records the open. A plain file
    beside it holds the same secret (for globs and paths that are not the pipe)."""

    def __init__(self, directory: Path, secret: str):
        self.dir = Path(directory)
        self.secret = secret
        self.fifo = self.dir / "sentinel.csv"
        self.file = self.dir / "secret.csv"
        os.mkfifo(self.fifo)
        self.file.write_text("%s,%s\n%s,%s\n" % (secret, secret, secret, secret))
        self.opened = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while not self._stop.is_set():
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader has it open
                time.sleep(0.001)
                continue
            self.opened += 1
            try:
                os.set_blocking(fd, True)
                os.write(fd, ("%s,%s\n" % (self.secret, self.secret)).encode())
            except OSError:
                pass
            finally:
                os.close(fd)
            time.sleep(0.01)

    def file_atime(self):
        return os.stat(self.file).st_atime_ns

    def close(self):
        self._stop.set()
        self.thread.join(2)
