"""Where paths really lead: the symlink check of the file tools.

The page only sees the contents API, which follows symlinks without saying
so; a link inside the root can point anywhere on the machine. The file tools
ask this route, before reading or writing, which of their paths resolve
(symlinks followed) outside the server root, and refuse those.

``POST <base_url>data-engineer/files/inside`` with ``{"paths": ["a/b.csv", ...]}``
answers ``{"checked": true, "outside": ["a/b.csv"]}``. Paths that do not exist
are resolved as far as they exist (a new file under a linked folder is
outside when the folder is). A contents manager without a local root
(``checked: false``) has no symlinks to follow.
"""

from __future__ import annotations

import json
import os
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

MAX_PATHS = 2000
MAX_PATH_CHARS = 4096


def _root_of(contents_manager: Any) -> str | None:
    root = getattr(contents_manager, "root_dir", None)
    if not isinstance(root, str) or not root or not os.path.isdir(root):
        return None
    return os.path.realpath(root)


def resolves_inside(root: str, path: str) -> bool:
    """True when the server path ``path`` resolves (symlinks followed) to ``root`` or below."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts or "\0" in path:
        return False
    real = os.path.realpath(os.path.join(root, *parts))
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class PathsInsideHandler(APIHandler):
    """Which of the given server paths lead outside the server root."""

    auth_resource = "data-engineer"

    @tornado.web.authenticated
    @authorized
    def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "The body must be JSON: {\"paths\": [...]}") from None
        paths = body.get("paths") if isinstance(body, dict) else None
        if (
            not isinstance(paths, list)
            or len(paths) > MAX_PATHS
            or not all(isinstance(p, str) and len(p) <= MAX_PATH_CHARS for p in paths)
        ):
            raise tornado.web.HTTPError(
                400, f"paths must be a list of at most {MAX_PATHS} strings"
            )
        root = _root_of(self.contents_manager)
        if root is None:
            self.finish(json.dumps({"checked": False, "outside": []}))
            return
        outside = [p for p in paths if not resolves_inside(root, p)]
        self.finish(json.dumps({"checked": True, "outside": outside}))
