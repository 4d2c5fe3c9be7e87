"""Definitions and references of a Python name, for ``find_usages``, with jedi in the server.

``POST <base_url>data-engineer/usages`` with::

    {"symbol": "load_orders", "path": "etl", "notebooks": [{"path", "cells"}], "max": 200}

``path`` is a folder (or one file) under the root; the ``.py`` files and notebooks below
it that contain the name are read (open notebooks as the page holds them). Every
occurrence of the name is resolved with jedi's ``goto`` (imports followed); an occurrence
that is its own target is a definition, one that leads to a definition is a reference.
The user's kernel is never asked: nothing runs, jedi reads the code statically.

The answer: ``{"resolved": bool, "definitions": [...], "references": [...],
"unresolved": n, "files": n, "notes": [...]}``; each entry has ``path``, ``cell``
(notebooks), ``line``, ``column``, ``text`` and, for references, the ``target`` definition's
key. ``resolved`` is false when jedi tied no occurrence to a definition (the page then
falls back to a text search).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .workspace_files import (
    MAX_FILE_BYTES,
    Notebook,
    WorkspaceError,
    clean_path,
    is_python,
    local_path,
    notebook_from_json,
    root_of,
)

MAX_FILES = 5000
MAX_OCCURRENCES = 600
TIME_BUDGET_S = 15.0
DEFAULT_MAX = 200
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "site-packages", "venv", "env", "build", "dist"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# jedi keeps global caches and is not thread-safe: one worker thread for every request.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-engineer-jedi")
_lock = threading.Lock()


class UsagesError(Exception):
    """Bad input: answered as 400."""


def _jedi():
    try:
        import jedi
    except ImportError:
        return None
    return jedi


def _walk(folder: str, allow_hidden: bool, notes: list[str]) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIPPED_FOLDERS and (allow_hidden or not d.startswith(".")) and not d.startswith(".venv")
            and d not in (".git", ".ipynb_checkpoints")
        )
        for name in sorted(filenames):
            if name.endswith((".py", ".ipynb")) and (allow_hidden or not name.startswith(".")):
                found.append(os.path.join(dirpath, name))
                if len(found) >= MAX_FILES:
                    notes.append(f"Stopped after {MAX_FILES} files; narrow the folder for complete results.")
                    return found
    return found


def _notebook_code(notebook: Notebook) -> tuple[str, list[tuple[str, int]]]:
    """The code cells as one Python text (magics blanked) and, per line, (cell id, line in cell)."""
    lines: list[str] = []
    where: list[tuple[str, int]] = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source.split("\n")
        magic_cell = cell.source.lstrip().startswith("%%")
        for number, line in enumerate(source, 1):
            stripped = line.lstrip()
            lines.append("" if magic_cell or stripped.startswith(("%", "!")) else line)
            where.append((cell.id, number))
        lines.append("")  # keeps a cell's last statement apart from the next cell
        where.append((cell.id, len(source) + 1))
    return "\n".join(lines), where


def _find(
    root: str, symbol: str, folder_path: str, notebooks: list[Notebook], allow_hidden: bool, limit: int
) -> dict[str, Any]:
    jedi = _jedi()
    notes: list[str] = []
    if jedi is None:
        return {"resolved": False, "definitions": [], "references": [], "unresolved": 0, "files": 0,
                "notes": ["jedi is not installed on the Jupyter server (pip install jedi)."]}
    start = os.path.join(root, *folder_path.split("/")) if folder_path else root
    files = [start] if os.path.isfile(start) else _walk(start, allow_hidden, notes)
    open_copies = {os.path.join(root, *nb.path.split("/")): nb for nb in notebooks}
    # Open notebooks not saved yet are searched too (when under the folder).
    prefix = start.rstrip(os.sep) + os.sep
    files += [p for p in open_copies if p not in files and (p == start or p.startswith(prefix))]
    word = re.compile(rf"(?<![\w]){re.escape(symbol)}(?![\w])")
    project = jedi.Project(root)
    definitions: dict[tuple, dict[str, Any]] = {}
    references: list[dict[str, Any]] = []
    unresolved = 0
    searched = 0
    deadline = time.monotonic() + TIME_BUDGET_S
    stopped = ""

    def shown(path: str) -> str:
        return os.path.relpath(path, root).replace(os.sep, "/")

    def key_of(name) -> tuple:
        return (str(name.module_path or ""), name.line, name.column)

    for full in files:
        if stopped:
            break
        try:
            if full not in open_copies and os.path.getsize(full) > MAX_FILE_BYTES:
                continue
            if full.endswith(".ipynb"):
                notebook = open_copies.get(full)
                if notebook is None:
                    with open(full, encoding="utf-8") as handle:
                        notebook = notebook_from_json(shown(full), json.load(handle))
                if not is_python(notebook):
                    continue
                code, where = _notebook_code(notebook)
            else:
                with open(full, encoding="utf-8") as handle:
                    code = handle.read()
                where = None
        except (OSError, ValueError, WorkspaceError):
            continue
        if not word.search(code):
            continue
        searched += 1
        script = jedi.Script(code, path=full, project=project)
        text_lines = code.split("\n")
        for number, text in enumerate(text_lines, 1):
            for match in word.finditer(text):
                if len(references) + len(definitions) >= MAX_OCCURRENCES or time.monotonic() > deadline:
                    stopped = "Stopped early (time or size bound); results are incomplete. Narrow the folder."
                    break
                try:
                    targets = script.goto(number, match.start(), follow_imports=True)
                except Exception:
                    targets = []
                entry: dict[str, Any] = {"path": shown(full), "cell": None, "line": number,
                                         "column": match.start() + 1, "text": text.strip()[:300]}
                if where is not None:
                    entry["cell"], entry["line"] = where[number - 1]
                if not targets:
                    unresolved += 1
                    continue
                own = [t for t in targets if key_of(t) == (full, number, match.start())]
                if own:
                    definition = own[0]
                    definitions[key_of(definition)] = {
                        **entry, "kind": definition.type, "full_name": definition.full_name or symbol,
                        "key": "%s:%d:%d" % key_of(definition),
                    }
                    continue
                targets_keys = []
                for target in targets:
                    key = key_of(target)
                    targets_keys.append("%s:%d:%d" % key)
                    if key in definitions:
                        continue
                    if key[0].startswith(root.rstrip(os.sep) + os.sep):
                        # Defined in the workspace, in a file this search has not reached (yet).
                        line, cell = target.line, None
                        if key[0] == full and where is not None and target.line:
                            cell, line = where[target.line - 1]
                        try:
                            code_line = target.get_line_code().strip()[:300]
                        except Exception:
                            code_line = ""
                        definitions[key] = {"path": shown(key[0]), "cell": cell, "line": line,
                                            "column": (target.column or 0) + 1, "text": code_line,
                                            "kind": target.type, "key": "%s:%d:%d" % key,
                                            "full_name": target.full_name or symbol}
                    else:
                        # Defined outside the workspace (a library): named, never its file path.
                        definitions[key] = {"path": None, "cell": None, "line": None, "column": None,
                                            "text": "", "kind": target.type, "key": "%s:%d:%d" % key,
                                            "full_name": target.full_name or symbol, "outside": True}
                entry["targets"] = targets_keys
                entry["import"] = bool(re.match(r"\s*(from\s+\S+\s+)?import\b", text))
                references.append(entry)
    if stopped:
        notes.append(stopped)
    # Library definitions nothing in the workspace refers to any more are dropped.
    used = {k for r in references for k in r["targets"]}
    defs = [d for d in definitions.values() if not d.get("outside") or d["key"] in used]
    # Inside the workspace, a definition keyed by its file path: show the server path instead.
    for d in defs:
        d["key"] = _display_key(d["key"], root)
    for r in references:
        r["targets"] = [_display_key(k, root) for k in r["targets"]]
    defs.sort(key=lambda d: (d.get("outside", False), d["path"] or "", d["line"] or 0))
    total_refs = len(references)
    return {
        "resolved": bool(defs),
        "definitions": defs[:limit],
        "references": references[:limit],
        "total_references": total_refs,
        "truncated": total_refs > limit or len(defs) > limit,
        "unresolved": unresolved,
        "files": searched,
        "notes": notes,
    }


def _display_key(key: str, root: str) -> str:
    path, line, column = key.rsplit(":", 2)
    prefix = root.rstrip(os.sep) + os.sep
    if path.startswith(prefix):
        return f"{path[len(prefix):].replace(os.sep, '/')}:{line}:{column}"
    return f"<outside>:{line}:{column}"


async def find_usages(contents_manager: Any, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UsagesError('The body must be a JSON object: {"symbol": ..., "path": ...}.')
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not NAME.match(symbol.strip()):
        raise UsagesError("symbol must be one Python name (letters, digits, underscores).")
    path = body.get("path") or ""
    if not isinstance(path, str):
        raise UsagesError("path must be a string.")
    raw = body.get("notebooks") or []
    if not isinstance(raw, list) or len(raw) > 30:
        raise UsagesError("notebooks must be a list of at most 30 notebooks.")
    limit = body.get("max", DEFAULT_MAX)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise UsagesError("max must be a positive integer.")
    root = root_of(contents_manager)
    if root is None:
        raise UsagesError("This Jupyter server has no local folder to read files from.")
    try:
        local = local_path(contents_manager, path)
        notebooks = [notebook_from_json(str(nb.get("path")), nb) for nb in raw if isinstance(nb, dict) and nb.get("path")]
    except WorkspaceError as err:
        raise UsagesError(str(err)) from None
    if not os.path.exists(local):
        raise UsagesError(f"{path}: no such file or folder.")
    allow_hidden = bool(getattr(contents_manager, "allow_hidden", False))

    def run() -> dict[str, Any]:
        with _lock:
            return _find(root, symbol.strip(), clean_path(path), notebooks, allow_hidden, min(limit, 1000))

    return await asyncio.get_running_loop().run_in_executor(_executor, run)


class UsagesHandler(APIHandler):
    """Definitions and references of a Python name (see the module's docstring)."""

    auth_resource = "data-engineer"

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "The body must be JSON.") from None
        try:
            result = await find_usages(self.contents_manager, body)
        except UsagesError as err:
            raise tornado.web.HTTPError(400, str(err)) from None
        self.finish(json.dumps(result))
