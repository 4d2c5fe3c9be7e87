"""A local stand-in for GitHub's REST API: repository JSON, tarball redirects, archives, failures.

Serves ``GET /repos/{owner}/{repo}`` ({"default_branch": ...}), ``GET
/repos/{owner}/{repo}/tarball/{ref}`` (302 to ``/codeload/...`` as GitHub does) and the archive
(a .tar.gz with GitHub's ``<owner>-<repo>-<sha>/`` top folder). ``limited/*`` answers 403 with
the rate-limit headers, ``dropped/*`` closes the connection, unknown repositories 404.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tarball(owner: str, repo: str, files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        top = f"{owner}-{repo}-0123abc"
        for path, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo(f"{top}/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    return buffer.getvalue()


class FakeGitHub:
    def __init__(self):
        self.repos: dict[str, dict[str, dict[str, str | bytes]]] = {}  # "owner/repo" -> ref -> files
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                fake.requests.append((self.path, self.headers.get("Authorization")))
                parts = self.path.strip("/").split("/")
                if parts[0] == "repos" and len(parts) >= 3:
                    owner, repo = parts[1], parts[2]
                    if owner == "limited":
                        return self._json(403, {"message": "API rate limit exceeded"}, {
                            "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 600)})
                    if owner == "dropped":
                        self.close_connection = True
                        return
                    refs = fake.repos.get(f"{owner}/{repo}")
                    if refs is None:
                        return self._json(404, {"message": "Not Found"})
                    if len(parts) == 3:
                        return self._json(200, {"full_name": f"{owner}/{repo}", "default_branch": "main"})
                    if parts[3] == "tarball":
                        ref = "/".join(parts[4:])
                        if ref not in refs:
                            return self._json(404, {"message": "Not Found"})
                        self.send_response(302)
                        self.send_header("Location", f"/codeload/{owner}/{repo}/tar.gz/{ref}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if parts[0] == "codeload":
                    owner, repo, ref = parts[1], parts[2], "/".join(parts[4:])
                    data = tarball(owner, repo, fake.repos[f"{owner}/{repo}"][ref])
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-gzip")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self._json(404, {"message": "Not Found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def downloads(self, repo: str) -> int:
        return sum(1 for path, _ in self.requests if path.startswith(f"/repos/{repo}/tarball/"))

    def close(self):
        self.server.shutdown()
        self.server.server_close()
