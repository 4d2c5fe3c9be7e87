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

With ``"stat": true`` the answer also describes each path as it really is
(links followed): ``"stat": {"a/b.md": {"kind": "file", "size": 120,
"target": "docs/b.md"}}``, ``kind`` being ``file`` (a regular file), ``dir``,
``missing`` or ``other`` (a device, a FIFO, a socket), ``target`` the path
inside the root a symlink leads to (absent when the path is no link). The page
uses it before reading workspace files on its own (instructions, personas,
prompt files, tasks): ``lstat`` sizes in the contents API describe the link,
not the file it leads to.

``read_workspace_file`` is the server's own rule for the same: a regular file
inside the root, at most ``MAX_WORKSPACE_FILE_BYTES``.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

MAX_PATHS = 2000
MAX_PATH_CHARS = 4096
# Workspace files read before any click (mcp.json here; instructions, personas,
# prompt files, tasks.json and Makefiles on the page) are refused above this.
MAX_WORKSPACE_FILE_BYTES = 1024 * 1024


class WorkspaceFileError(Exception):
    """A workspace file that is not read, with the reason (for a problem line)."""


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


def _parts(path: str) -> list[str] | None:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts or "\0" in path:
        return None
    return parts


def describe_path(root: str, path: str) -> dict[str, Any]:
    """What ``path`` is once links are followed: kind, size and, for a link, its target in the root."""
    parts = _parts(path)
    if parts is None:
        return {"kind": "missing"}
    joined = os.path.join(root, *parts)
    real = os.path.realpath(joined)
    try:
        info = os.stat(real)
    except OSError:
        return {"kind": "missing"}
    if stat.S_ISREG(info.st_mode):
        out: dict[str, Any] = {"kind": "file", "size": info.st_size}
    elif stat.S_ISDIR(info.st_mode):
        out = {"kind": "dir"}
    else:
        out = {"kind": "other"}
    plain = os.path.normpath(os.path.join(root, *parts)) if parts else root
    if real != plain and resolves_inside(root, path):
        out["target"] = os.path.relpath(real, root).replace(os.sep, "/")
    return out


def read_workspace_file(root_dir: str, relative: str, max_bytes: int = MAX_WORKSPACE_FILE_BYTES) -> bytes | None:
    """The bytes of a workspace file, read only when it is a regular file inside the root
    (symlinks followed) of at most ``max_bytes``; None when it does not exist.

    Raises WorkspaceFileError saying why it is not read. Never reads more than
    ``max_bytes + 1`` bytes, so a file that grows meanwhile is refused too.
    """
    root = os.path.realpath(root_dir)
    if not resolves_inside(root, relative):
        if not os.path.lexists(os.path.join(root, relative)):
            return None
        raise WorkspaceFileError(
            "not read: it leads outside the server root through a symbolic link"
        )
    info = describe_path(root, relative)
    if info["kind"] == "missing":
        if os.path.lexists(os.path.join(root, relative)):
            raise WorkspaceFileError("not read: it is a symbolic link that leads nowhere")
        return None
    if info["kind"] != "file":
        raise WorkspaceFileError(
            "not read: it is not a regular file" + (" (a folder)" if info["kind"] == "dir" else " (a device, FIFO or socket)")
        )
    if info["size"] > max_bytes:
        raise WorkspaceFileError(
            f"not read: it is {_size_text(info['size'])}, over the {_size_text(max_bytes)} limit for workspace files"
        )
    real = os.path.realpath(os.path.join(root, relative))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(real, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WorkspaceFileError("not read: it is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise WorkspaceFileError(f"not read: it is over the {_size_text(max_bytes)} limit for workspace files")
    return data


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


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
        answer: dict[str, Any] = {"checked": True, "outside": outside}
        if body.get("stat") is True:
            answer["stat"] = {p: describe_path(root, p) for p in paths if p not in outside}
        self.finish(json.dumps(answer))
