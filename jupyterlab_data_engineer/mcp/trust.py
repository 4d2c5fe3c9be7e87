"""Which workspace MCP files the user has trusted, per file path and content hash.

Kept on the server (in the Jupyter data dir), not in the browser: the server is what
runs the command, so it must be the one that refuses an untrusted file whatever a
client sends; the decision then holds across browsers and reloads, and any change to
the file (new hash) asks again.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path


class TrustStore:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [str(h) for h in v] for k, v in data.items() if isinstance(v, list)}

    def is_trusted(self, file_path: str, digest: str | None) -> bool:
        if not digest:
            return False
        return digest in self._read().get(os.path.abspath(file_path), [])

    def trust(self, file_path: str, digest: str) -> None:
        key = os.path.abspath(file_path)
        with self._lock:
            data = self._read()
            # Only the current content counts: an old hash would re-admit a reverted file.
            data[key] = [digest]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".mcp-trust-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
            os.replace(tmp, self.path)
