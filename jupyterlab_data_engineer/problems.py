"""Diagnostics as VS Code's Problems view shows them, for the ``get_problems`` tool.

``POST <base_url>data-engineer/problems`` with::

    {"notebooks": [{"path": "a.ipynb", "language": "python",
                    "cells": [{"id": "3f2a", "cell_type": "code", "source": "..."}]}],
     "paths": ["etl/load.py", "report.ipynb", "queries/daily.sql"],
     "max": 200}

``notebooks`` are the open notebooks as the page holds them (unsaved edits included);
``paths`` are files the user named, read here from the server's root. The answer::

    {"problems": [{"path", "cell", "cell_index", "line", "column", "code", "message",
                   "severity", "source"}], "total": n, "truncated": bool, "notes": [...]}

Python goes through ruff (the workspace's own ruff configuration applies: the file is
named by its real path), a notebook as one document (ruff concatenates the code cells
itself and says which cell each problem is in). SQL (``%%sql`` cells, ``%sql`` lines, SQL
string literals passed to ``.sql()``/``.execute()``/``read_sql``..., ``.sql`` files) goes
through sqlglot's parser. Sorted by severity, then file, cell and line; bounded.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import shutil
import sys
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .workspace_files import (
    Notebook,
    WorkspaceError,
    clean_path,
    is_python,
    local_path,
    notebook_from_json,
    read_notebook,
    read_text,
    root_of,
)

DEFAULT_MAX = 200
MAX_MAX = 1000
MAX_NOTEBOOKS = 30
MAX_PATHS = 30
MAX_CELLS = 2000
RUFF_TIMEOUT_S = 20.0

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

# Ruff codes that fail when the code runs, shown as errors (as a language server would).
_ERROR_CODES = re.compile(r"^(invalid-syntax|E9\d\d|F821|F822|F823|F63\d|F70\d|F72\d)$")
_INFO_PREFIXES = ("I", "D", "N", "COM", "Q")

# The calls whose first argument the query feature reads as SQL (src/query/kernel/query_explain.py).
_SQL_METHODS = {"sql", "execute", "query", "read_sql", "read_sql_query", "read_database", "text"}
# Without the kernel's namespace a literal is SQL only when it reads like SQL.
_SQL_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(select|with|insert|update|delete|create|drop|alter|merge|copy|"
    r"explain|describe|show|from|pragma|values|table|replace|attach|summarize|pivot|unpivot)\b",
    re.I | re.S,
)
_LINE_MAGIC = re.compile(r"^[ \t]*(?:[A-Za-z_]\w*\s*=\s*)?%sql[ \t]+(?P<sql>.+)$", re.M)
_SQL_DIALECTS = (None, "duckdb", "postgres", "spark", "snowflake", "bigquery", "tsql", "mysql", "sqlite")


class ProblemsError(Exception):
    """Bad input: answered as 400 with the message."""


# --------------------------------------------------------------------------- ruff


def ruff_binary() -> str | None:
    """The ruff executable: the one installed with this Python, else on PATH."""
    try:
        from ruff.__main__ import find_ruff_bin

        return find_ruff_bin()
    except Exception:
        pass
    found = shutil.which("ruff", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return found


def severity_of(code: str) -> str:
    if _ERROR_CODES.match(code or ""):
        return "error"
    if (code or "").startswith(_INFO_PREFIXES) and not code.startswith("DTZ"):
        return "info"
    return "warning"


async def _run_ruff(binary: str, stdin_name: str, text: str, cwd: str | None) -> list[dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        binary, "check", "--output-format=json", "--no-fix", "--exit-zero", "--quiet",
        "--stdin-filename", stdin_name, "-",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), RUFF_TIMEOUT_S)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise ProblemsError(f"ruff took longer than {RUFF_TIMEOUT_S:.0f} s on {stdin_name}") from None
    try:
        found = json.loads(out.decode("utf-8") or "[]")
    except ValueError:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise ProblemsError("ruff failed: " + (message[-1] if message else f"exit code {proc.returncode}")) from None
    return found if isinstance(found, list) else []


def _ruff_problem(item: dict[str, Any], path: str) -> dict[str, Any]:
    code = str(item.get("code") or item.get("name") or "ruff")
    location = item.get("location") or {}
    return {
        "path": path,
        "cell": None,
        "cell_index": None,
        "line": int(location.get("row") or 1),
        "column": int(location.get("column") or 1),
        "code": code,
        "message": str(item.get("message") or ""),
        "severity": severity_of(code),
        "source": "ruff",
    }


async def ruff_notebook(binary: str, notebook: Notebook, stdin_name: str, cwd: str | None) -> list[dict[str, Any]]:
    """Ruff's problems of a notebook's code cells, each with its cell id."""
    code_cells = [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    if not code_cells:
        return []

    def document(blank: set[int]) -> str:
        return json.dumps({
            "cells": [
                {"cell_type": "code", "id": f"c{n}", "metadata": {}, "execution_count": None, "outputs": [],
                 "source": "" if n in blank else cell.source}
                for n, (_, cell) in enumerate(code_cells)
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        })

    found = await _run_ruff(binary, stdin_name, document(set()), cwd)
    # A syntax error stops ruff's other checks for the whole notebook: check the rest
    # again without the cells that do not parse, as an editor shows both.
    broken = {int(item["cell"]) - 1 for item in found
              if item.get("code") in (None, "invalid-syntax", "E999") and isinstance(item.get("cell"), int)}
    if broken and len(broken) < len(code_cells):
        found += [item for item in await _run_ruff(binary, stdin_name, document(broken), cwd)
                  if item.get("code") not in (None, "invalid-syntax", "E999")]
    problems = []
    for item in found:
        position = item.get("cell")
        if not isinstance(position, int) or not 1 <= position <= len(code_cells):
            continue
        index, cell = code_cells[position - 1]
        problem = _ruff_problem(item, notebook.path)
        problem["cell"] = cell.id
        problem["cell_index"] = index + 1
        problems.append(problem)
    return problems


# --------------------------------------------------------------------------- SQL


def _sqlglot():
    try:
        import sqlglot
        from sqlglot.errors import ParseError, TokenError
    except ImportError:
        return None
    return sqlglot, ParseError, TokenError


def _clean_message(text: str) -> str:
    text = re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # sqlglot underlines the culprit with ANSI codes
    return " ".join(text.split())[:300]


def sql_error(sql: str) -> tuple[int, int, str] | None:
    """(line, column, message) of the first parse error of ``sql``, 1-based; None when it parses.

    A statement that some dialect parses is not flagged: without the connection, the
    dialect is unknown, and a false alarm costs more than a missed one.
    """
    modules = _sqlglot()
    if modules is None:
        return None
    sqlglot, ParseError, TokenError = modules
    first: tuple[int, int, str] | None = None
    for dialect in _SQL_DIALECTS:
        try:
            sqlglot.parse(sql, read=dialect)
            return None
        except ParseError as err:
            if first is None:
                detail = err.errors[0] if err.errors else {}
                near = _clean_message(str(detail.get("highlight") or ""))
                message = _clean_message(str(detail.get("description") or err))
                first = (
                    int(detail.get("line") or 1),
                    int(detail.get("col") or 1),
                    f"SQL syntax error{f' near {near!r}' if near else ''}: {message}",
                )
        except TokenError as err:
            if first is None:
                first = (1, 1, f"SQL syntax error: {_clean_message(str(err))}")
        except Exception:  # sqlglot has internal errors on odd input: not the user's problem
            return None
    return first


def _sql_problem(path: str, line: int, column: int, message: str) -> dict[str, Any]:
    return {"path": path, "cell": None, "cell_index": None, "line": line, "column": column,
            "code": "sql-syntax", "message": message, "severity": "error", "source": "sqlglot"}


def sql_pieces(source: str) -> list[tuple[str, int]]:
    """The SQL texts of a code cell (or a .py file) with the 0-based line each starts on."""
    stripped = source.lstrip()
    if stripped.startswith("%%sql"):
        lines = source.split("\n")
        header_at = next(i for i, line in enumerate(lines) if line.strip().startswith("%%sql"))
        header = lines[header_at]
        body = "\n".join(lines[header_at + 1:])
        # `%%sql conn_name --save x` or `%%sql result <<`: options on the header, SQL below.
        if not body.strip() or "{{" in body or "{%" in body:
            return []
        if "<<" in header and not body.strip():
            return []
        return [(body, header_at + 1)]
    pieces: list[tuple[str, int]] = []
    for match in _LINE_MAGIC.finditer(source):
        sql = match.group("sql").strip()
        if _SQL_START.match(sql) and "{{" not in sql:
            pieces.append((sql, source.count("\n", 0, match.start("sql"))))
    masked = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
    try:
        tree = ast.parse(masked)
    except (SyntaxError, ValueError):
        return pieces
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name not in _SQL_METHODS:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            text = arg.value
        elif isinstance(arg, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in arg.values):
            text = "".join(str(v.value) for v in arg.values)
        else:
            continue
        if not _SQL_START.match(text) or "{{" in text:
            continue
        # A triple-quoted literal that opens with a line break starts its SQL on the next line.
        pieces.append((text, arg.lineno - 1))
    return pieces


def sql_problems_of(source: str, path: str) -> list[dict[str, Any]]:
    problems = []
    for sql, first_line in sql_pieces(source):
        error = sql_error(sql)
        if error:
            line, column, message = error
            problems.append(_sql_problem(path, first_line + line, column, message))
    return problems


# --------------------------------------------------------------------------- the check


def _sort_key(problem: dict[str, Any]) -> tuple:
    return (SEVERITY_RANK.get(problem["severity"], 3), problem["path"], problem["cell_index"] or 0,
            problem["line"], problem["column"])


async def check(contents_manager: Any, notebooks: list[Notebook], paths: list[str], limit: int) -> dict[str, Any]:
    """The problems of the given notebooks and files, sorted and bounded."""
    notes: list[str] = []
    problems: list[dict[str, Any]] = []
    root = root_of(contents_manager)
    binary = ruff_binary()
    if binary is None:
        notes.append("ruff is not installed on the Jupyter server: Python code was not linted (pip install ruff).")
    if _sqlglot() is None:
        notes.append("sqlglot is not installed on the Jupyter server: SQL was not checked (pip install sqlglot).")

    def stdin_name(path: str) -> str:
        # The real path, so the workspace's ruff configuration (pyproject.toml, ruff.toml) applies.
        return os.path.join(root, *clean_path(path).split("/")) if root else clean_path(path) or "untitled"

    seen = {nb.path for nb in notebooks}
    files: list[tuple[str, str]] = []  # (path, text) of .py and .sql files
    for path in paths:
        clean = clean_path(path)
        if clean in seen:
            continue  # open: the page's copy (with unsaved edits) is checked
        seen.add(clean)
        try:
            if clean.lower().endswith(".ipynb"):
                notebooks.append(read_notebook(contents_manager, clean))
            elif clean.lower().endswith((".py", ".sql")):
                files.append((clean, read_text(contents_manager, clean)))
            else:
                local_path(contents_manager, clean)
                notes.append(f"{clean}: only .py, .sql and .ipynb files are checked.")
        except WorkspaceError as err:
            notes.append(str(err))

    sem = asyncio.Semaphore(4)

    async def one_notebook(notebook: Notebook) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if is_python(notebook):
            if binary:
                async with sem:
                    found += await ruff_notebook(binary, notebook, stdin_name(notebook.path), root)
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type == "code":
                    for problem in sql_problems_of(cell.source, notebook.path):
                        problem["cell"], problem["cell_index"] = cell.id, index + 1
                        found.append(problem)
        else:
            notes.append(f"{notebook.path}: a {notebook.language} notebook; only Python notebooks are checked.")
        return found

    async def one_file(path: str, text: str) -> list[dict[str, Any]]:
        if path.lower().endswith(".sql"):
            error = sql_error(text)
            return [_sql_problem(path, *error)] if error else []
        found = []
        if binary:
            async with sem:
                found += [_ruff_problem(item, path) for item in await _run_ruff(binary, stdin_name(path), text, root)]
        return found + sql_problems_of(text, path)

    results = await asyncio.gather(
        *[one_notebook(nb) for nb in notebooks], *[one_file(p, t) for p, t in files], return_exceptions=True
    )
    for result in results:
        if isinstance(result, ProblemsError):
            notes.append(str(result))
        elif isinstance(result, BaseException):
            raise result
        else:
            problems += result
    problems.sort(key=_sort_key)
    counts = {s: sum(1 for p in problems if p["severity"] == s) for s in SEVERITY_RANK}
    return {
        "problems": problems[:limit],
        "total": len(problems),
        "counts": counts,
        "truncated": len(problems) > limit,
        "checked": [nb.path for nb in notebooks] + [p for p, _ in files],
        "notes": notes,
    }


def parse_request(body: Any) -> tuple[list[Notebook], list[str], int]:
    """The notebooks, paths and limit of a request body; ProblemsError when malformed."""
    if not isinstance(body, dict):
        raise ProblemsError('The body must be a JSON object: {"notebooks": [...], "paths": [...]}.')
    raw_notebooks = body.get("notebooks") or []
    paths = body.get("paths") or []
    if not isinstance(raw_notebooks, list) or len(raw_notebooks) > MAX_NOTEBOOKS:
        raise ProblemsError(f"notebooks must be a list of at most {MAX_NOTEBOOKS} notebooks.")
    if not isinstance(paths, list) or len(paths) > MAX_PATHS or not all(isinstance(p, str) for p in paths):
        raise ProblemsError(f"paths must be a list of at most {MAX_PATHS} file paths.")
    limit = body.get("max", DEFAULT_MAX)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ProblemsError("max must be a positive integer.")
    notebooks = []
    for raw in raw_notebooks:
        path = raw.get("path") if isinstance(raw, dict) else None
        if not isinstance(path, str) or not path:
            raise ProblemsError("Each notebook needs a path and its cells.")
        try:
            notebook = notebook_from_json(path, raw)
        except WorkspaceError as err:
            raise ProblemsError(str(err)) from None
        if len(notebook.cells) > MAX_CELLS:
            raise ProblemsError(f"{path}: over {MAX_CELLS} cells.")
        notebooks.append(notebook)
    return notebooks, paths, min(limit, MAX_MAX)


class ProblemsHandler(APIHandler):
    """Diagnostics of open notebooks and named files (see the module's docstring)."""

    auth_resource = "data-engineer"

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            notebooks, paths, limit = parse_request(json.loads(self.request.body or b"{}"))
        except ValueError:
            raise tornado.web.HTTPError(400, "The body must be JSON.") from None
        except ProblemsError as err:
            raise tornado.web.HTTPError(400, str(err)) from None
        self.finish(json.dumps(await check(self.contents_manager, notebooks, paths, limit)))
