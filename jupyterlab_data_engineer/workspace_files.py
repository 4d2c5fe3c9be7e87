"""Reading the workspace's files on the server for the code tools (problems, usages).

Paths are server paths (relative to the root, ``/``-separated) as the page names them. A
path is refused when it leads outside the root (``..``, or a symlink out of it), names a
hidden file while the contents manager hides them, or is too large: the same rules the
contents API and the file tools' symlink check apply.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from .files import _root_of, resolves_inside

MAX_FILE_BYTES = 2 * 1024 * 1024


class WorkspaceError(Exception):
    """A path the tools may not read, with a message for the model and the user."""


@dataclass
class Cell:
    """One notebook cell as the code tools see it."""

    id: str  # the cell's id, or "#<n>" (1-based) for notebooks without ids
    cell_type: str
    source: str


@dataclass
class Notebook:
    path: str
    cells: list[Cell]
    language: str  # "python" unless the notebook says otherwise


def root_of(contents_manager: Any) -> str | None:
    """The server's local root (symlinks resolved); None without one."""
    return _root_of(contents_manager)


def clean_path(path: str) -> str:
    """A server path without leading/trailing slashes and ``.`` parts."""
    return "/".join(p for p in str(path).replace("\\", "/").split("/") if p not in ("", "."))


def local_path(contents_manager: Any, path: str) -> str:
    """The file system path of a server path; raises WorkspaceError when it may not be read."""
    root = root_of(contents_manager)
    if root is None:
        raise WorkspaceError("This Jupyter server has no local folder to read files from.")
    clean = clean_path(path)
    parts = clean.split("/") if clean else []
    if ".." in parts or "\0" in clean:
        raise WorkspaceError(f"{path}: paths may not contain '..'.")
    if not resolves_inside(root, clean):
        raise WorkspaceError(f"{path}: leads outside the server root (a symlink); not read.")
    if any(p.startswith(".") for p in parts) and not getattr(contents_manager, "allow_hidden", False):
        raise WorkspaceError(f"{path}: hidden files are not served by this Jupyter server.")
    return os.path.join(root, *parts)


def read_text(contents_manager: Any, path: str) -> str:
    """The text of a file under the root, within the size bound."""
    full = local_path(contents_manager, path)
    if not os.path.isfile(full):
        raise WorkspaceError(f"{path}: no such file.")
    size = os.path.getsize(full)
    if size > MAX_FILE_BYTES:
        raise WorkspaceError(f"{path}: {size // 1024} KB, over the {MAX_FILE_BYTES // 1024} KB limit; not read.")
    with open(full, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkspaceError(f"{path}: not UTF-8 text.") from None


def _source(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value or "")


def notebook_from_json(path: str, data: Any) -> Notebook:
    """A notebook from its nbformat JSON (or the page's ``{cells, language}``)."""
    if not isinstance(data, dict):
        raise WorkspaceError(f"{path}: not a notebook.")
    cells_in = data.get("cells")
    if not isinstance(cells_in, list):
        raise WorkspaceError(f"{path}: the notebook has no cell list.")
    cells = []
    for index, cell in enumerate(cells_in):
        if not isinstance(cell, dict):
            continue
        cell_id = cell.get("id")
        cells.append(
            Cell(
                id=str(cell_id) if isinstance(cell_id, str) and cell_id else f"#{index + 1}",
                cell_type=str(cell.get("cell_type") or "code"),
                source=_source(cell.get("source")),
            )
        )
    language = data.get("language")
    if not isinstance(language, str):
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
        kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
        language = str(info.get("name") or kernel.get("language") or "python")
    return Notebook(path=clean_path(path), cells=cells, language=language.lower())


def read_notebook(contents_manager: Any, path: str) -> Notebook:
    """A notebook file under the root."""
    try:
        data = json.loads(read_text(contents_manager, path))
    except ValueError:
        raise WorkspaceError(f"{path}: not valid notebook JSON.") from None
    return notebook_from_json(path, data)


def is_python(notebook: Notebook) -> bool:
    return notebook.language in ("python", "python3", "ipython", "ipython3", "")
