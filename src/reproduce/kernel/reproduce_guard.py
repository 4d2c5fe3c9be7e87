"""Hidden-state guard (issue 29): names a code cell reads that no cell above defines.

Pure standard library (``ast`` for the order of module-level code, ``symtable`` for
function bodies), so it runs in any kernel. Entry points:

* ``analyze_cells(cells)``: the static part. ``cells`` is the notebook's cell list, each a
  string (a code cell's source) or a dict with ``cell_type`` and ``source`` (a string or a
  list of lines, as in nbformat). Returns one entry per code cell: what it defines, what it
  reads before defining, and the names it reads that no cell above defines (``missing``,
  each with where it *is* defined: a later cell, or nowhere).
* ``hidden_state(analysis, kernel_names)``: those missing names that exist in the live
  kernel, i.e. state from a deleted or a later cell.
* ``guard_json(cells, kernel_names)``: both, as a JSON string.
* ``kernel_guard(cells_json)``: what the frontend calls in the kernel (the module loaded by
  ``KernelChannel``'s helper bootstrap, called in a silent request's user expression): the
  cells as a JSON string in, the names of the kernel's user namespace used, the JSON out as
  text whose repr is itself. It assigns no user name.

Results are cached per cell source, so a second run after an edit re-parses only the
edited cells (``clear_cache()`` empties it).

IPython syntax: line magics, ``!`` shell lines and ``?`` help lines are dropped;
``x = !cmd`` and ``x = %magic`` define ``x``; ``%time``/``%timeit`` keep their statement;
``%%time``/``%%timeit``/``%%capture`` keep their body (``%%capture out`` defines ``out``);
other cell magics (``%%bash``, ``%%sql``...) are not Python and are skipped. ``%run`` and
``from x import *`` can define any name: they are reported as ``unknown`` sources, and a
missing name below one is marked ``unknown`` instead of ``missing``.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import symtable
from collections.abc import Iterable
from typing import Any

PROTOCOL = 1

_BUILTINS = frozenset(dir(builtins))
# Names IPython puts in every user namespace.
_IPYTHON_NAMES = frozenset(
    {
        "In",
        "Out",
        "get_ipython",
        "exit",
        "quit",
        "display",
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "_ih",
        "_oh",
        "_dh",
        "__name__",
        "__doc__",
        "__builtins__",
        "__file__",
        "__spec__",
        "__loader__",
        "__package__",
        "__annotations__",
    }
)
_IPYTHON_NUMBERED = re.compile(r"^_i?\d+$")

_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
_ASSIGN_MAGIC = re.compile(r"^(\s*)([A-Za-z_][\w.,\s]*?)\s*=\s*[!%]")
_TIME_MAGIC = re.compile(r"^(\s*)%(?:time|timeit|prun)\b(?:\s+-\S+(?:\s+\d+)?)*\s+(.*)$")
_RUN_MAGIC = re.compile(r"^\s*%run\b")


def _is_ambient(name: str) -> bool:
    return name in _BUILTINS or name in _IPYTHON_NAMES or bool(_IPYTHON_NUMBERED.match(name))


def _source_of(cell: Any) -> tuple[str, str]:
    if isinstance(cell, str):
        return "code", cell
    cell_type = cell.get("cell_type", "code")
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    return cell_type, source


def _strip_ipython(source: str) -> tuple[str, list[dict[str, str]], list[str], str | None]:
    """Python text of a cell, its unknown sources (%run), names magics define, a skip reason."""
    unknown: list[dict[str, str]] = []
    magic_defs: list[str] = []
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].strip()[2:].split()
        magic = words[0] if words else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "", unknown, magic_defs, f"cell magic %%{magic}: not Python"
        if magic == "capture":
            names = [w for w in words[1:] if not w.startswith("-")]
            magic_defs.extend(n for n in names[:1] if n.isidentifier())
        lines = lines[first + 1 :]
    out: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if _RUN_MAGIC.match(line):
            unknown.append({"kind": "run", "text": stripped})
            out.append(indent + "pass")
            continue
        time_magic = _TIME_MAGIC.match(line)
        if time_magic:
            out.append(time_magic.group(1) + time_magic.group(2))
            continue
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
            out.append(indent + "pass")
            continue
        assign = _ASSIGN_MAGIC.match(line)
        if assign and not stripped.startswith(("#",)):
            rest = line[assign.end() - 1 :]
            if rest.startswith("!") or (rest.startswith("%") and not rest.startswith("%=")):
                out.append(f"{assign.group(1)}{assign.group(2)} = None")
                continue
        out.append(line)
    return "\n".join(out), unknown, magic_defs, None


class _Scope:
    __slots__ = ("kind", "bound", "declared_global", "declared_nonlocal")

    def __init__(self, kind: str, bound: Iterable[str] = ()) -> None:
        self.kind = kind  # "module", "class" or "comprehension"
        self.bound: set[str] = set(bound)
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()


def _target_names(node: ast.AST) -> list[str]:
    """Names a target binds (Name, Starred, tuples/lists; attributes and subscripts bind none)."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _target_names(elt)]
    return []


_COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})


def _function_scopes(table: symtable.SymbolTable, in_function: bool, reads: set[str], globals_set: set[str]) -> None:
    """Global reads and `global` assignments of every function and lambda body, from the
    compiler's own symbol table (faster than walking those bodies in Python, and exact)."""
    for child in table.get_children():
        is_function = child.get_type() == "function" and child.get_name() not in _COMPREHENSIONS
        inside = in_function or is_function
        if inside:
            for sym in child.get_symbols():
                if sym.is_global() and sym.is_referenced():
                    reads.add(sym.get_name())
                if sym.is_declared_global() and sym.is_assigned():
                    globals_set.add(sym.get_name())
        _function_scopes(child, inside, reads, globals_set)


class _CellAnalyzer(ast.NodeVisitor):
    """Walks a cell in evaluation order, tracking the scopes a name resolves through."""

    def __init__(self) -> None:
        self.module = _Scope("module")
        self.scopes: list[_Scope] = [self.module]
        self.reads: list[str] = []  # module-level reads before any binding in this cell
        self.deferred_reads: set[str] = set()  # global reads inside function bodies (symtable)
        self.star_imports: list[str] = []

    # -- binding and resolution -------------------------------------------------------------

    def _bind(self, name: str) -> None:
        scope = self.scopes[-1]
        if scope.kind == "comprehension":
            scope.bound.add(name)
            return
        if name in scope.declared_global:
            self.module.bound.add(name)
        else:
            scope.bound.add(name)

    def _bind_walrus(self, name: str) -> None:
        # PEP 572: the target binds in the nearest enclosing non-comprehension scope.
        for scope in reversed(self.scopes):
            if scope.kind != "comprehension":
                if scope is self.module or name in scope.declared_global:
                    self.module.bound.add(name)
                else:
                    scope.bound.add(name)
                return

    def _read(self, name: str) -> None:
        innermost = len(self.scopes) - 1
        for depth in range(innermost, 0, -1):
            scope = self.scopes[depth]
            if scope.kind == "class":
                # A class body sees its own names; nested comprehensions do not.
                if depth == innermost and name in scope.bound:
                    return
            elif name in scope.bound:  # comprehension
                return
        if name not in self.module.bound and name not in self.reads:
            self.reads.append(name)

    def _bind_targets(self, node: ast.AST) -> None:
        # Subscript/attribute targets read their base; names bind.
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            self.visit(node)
        elif isinstance(node, ast.Starred):
            self._bind_targets(node.value)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self._bind_targets(elt)
        elif isinstance(node, ast.Name):
            self._bind(node.id)
        else:
            self.visit(node)

    # -- expressions --------------------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node.id)
        else:  # del x reads x
            self._read(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind_walrus(node.target.id)

    def _comprehension(self, node: ast.AST, results: list[ast.AST]) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter)
        self.scopes.append(_Scope("comprehension"))
        for index, gen in enumerate(generators):
            if index:
                self.visit(gen.iter)
            for name in _target_names(gen.target):
                self.scopes[-1].bound.add(name)
            if not isinstance(gen.target, ast.Name):
                for sub in ast.walk(gen.target):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)):
                        self.visit(sub)
            for cond in gen.ifs:
                self.visit(cond)
        for result in results:
            self.visit(result)
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp  # type: ignore[assignment]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def _visit_arguments_defaults(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)

    def _visit_annotations(self, args: ast.arguments) -> None:
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)

    # Function and lambda bodies run later, when called: their global reads come from the
    # symbol table (`_function_scopes`), so the walk stops at their signatures.

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments_defaults(node.args)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        self._visit_arguments_defaults(node.args)
        self._visit_annotations(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self._bind(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.scopes.append(_Scope("class"))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self._bind(node.name)

    # -- statements ---------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._bind_targets(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._read(node.target.id)
        self.visit(node.value)
        self._bind_targets(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if node.value is not None:
            self._bind_targets(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_targets(node.target)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_targets(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append("." * node.level + (node.module or ""))
            else:
                self._bind(alias.asname or alias.name)

    def visit_Global(self, node: ast.Global) -> None:
        self.scopes[-1].declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scopes[-1].declared_nonlocal.update(node.names)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._bind(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest:
            self._bind(node.rest)


# Per-source results: the guard runs again after every edit, and only edited cells change.
_CACHE: dict[str, dict[str, Any]] = {}
_CACHE_LIMIT = 5000


def _analyze_source(source: str) -> dict[str, Any]:
    cached = _CACHE.get(source)
    if cached is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        cached = _CACHE[source] = _analyze_uncached(source)
    return cached


def clear_cache() -> None:
    _CACHE.clear()


def _analyze_uncached(source: str) -> dict[str, Any]:
    text, unknown, magic_defs, skipped = _strip_ipython(source)
    result: dict[str, Any] = {
        "defines": [],
        "reads": [],
        "deferred_reads": [],
        "unknown": unknown,
    }
    if skipped:
        result["skipped"] = skipped
        return result
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        try:
            tree = ast.parse(source)  # a line that only looked like a magic
            text = source
            unknown.clear()
        except SyntaxError:
            result["error"] = f"syntax error at line {err.lineno}: {err.msg}"
            return result
    try:
        table = symtable.symtable(text, "<cell>", "exec")
    except SyntaxError as err:  # e.g. `nonlocal` at module level: valid AST, not valid code
        result["error"] = f"syntax error at line {err.lineno}: {err.msg}"
        return result
    analyzer = _CellAnalyzer()
    for stmt in tree.body:
        analyzer.visit(stmt)
    _function_scopes(table, False, analyzer.deferred_reads, analyzer.module.bound)
    analyzer.module.bound.update(magic_defs)
    defines = analyzer.module.bound
    result["defines"] = sorted(defines)
    result["reads"] = [n for n in analyzer.reads if not _is_ambient(n)]
    result["deferred_reads"] = sorted(
        n for n in analyzer.deferred_reads if n not in defines and not _is_ambient(n)
    )
    for module in analyzer.star_imports:
        unknown.append({"kind": "star_import", "text": f"from {module} import *"})
    return result


def analyze_cells(cells: Iterable[Any]) -> list[dict[str, Any]]:
    """One entry per code cell (``index`` is the cell's index in the notebook)."""
    entries: list[dict[str, Any]] = []
    for index, cell in enumerate(cells):
        cell_type, source = _source_of(cell)
        if cell_type != "code":
            continue
        entry = {"index": index, **_analyze_source(source)}
        entries.append(entry)

    defined_in: dict[str, list[int]] = {}
    for entry in entries:
        for name in entry["defines"]:
            defined_in.setdefault(name, []).append(entry["index"])

    above: set[str] = set()
    unknown_above: list[dict[str, Any]] = []
    for entry in entries:
        index = entry["index"]
        unknown_here = unknown_above + [{"cell": index, **u} for u in entry["unknown"]]
        missing = []
        for name, deferred in [(n, False) for n in entry["reads"]] + [
            (n, True) for n in entry["deferred_reads"]
        ]:
            where = defined_in.get(name, [])
            if deferred and where:
                continue  # a function body: any cell's definition may be there when it is called
            if not deferred and name in above:
                continue
            later = [i for i in where if i > index]
            item: dict[str, Any] = {
                "name": name,
                "status": "unknown" if unknown_here else "missing",
                "defined_below": later,
                "in_function": deferred,
            }
            missing.append(item)
        entry["missing"] = missing
        above.update(entry["defines"])
        unknown_above.extend({"cell": index, **u} for u in entry["unknown"])
    return entries


def hidden_state(analysis: list[dict[str, Any]], kernel_names: Iterable[str]) -> list[dict[str, Any]]:
    """The missing names that exist in the kernel: state from a deleted or a later cell."""
    names = set(kernel_names)
    found = []
    for entry in analysis:
        for item in entry.get("missing", []):
            if item["name"] not in names:
                continue
            if item["status"] == "unknown":
                reason = "unknown"  # a %run or `from x import *` above may define it
            elif item["defined_below"]:
                reason = "defined_below"
            else:
                reason = "defined_nowhere"  # a deleted cell, or code run outside the notebook
            found.append({"cell": entry["index"], "name": item["name"], "reason": reason,
                          "defined_below": item["defined_below"]})
    return found


def guard_json(cells: Iterable[Any], kernel_names: Iterable[str]) -> str:
    analysis = analyze_cells(cells)
    unknown = [{"cell": e["index"], **u} for e in analysis for u in e["unknown"]]
    errors = [
        {"cell": e["index"], "error": e["error"]} for e in analysis if "error" in e
    ]
    return json.dumps(
        {
            "hidden": hidden_state(analysis, kernel_names),
            "unknown_sources": unknown,
            "errors": errors,
            "cells": len(analysis),
        }
    )


class _JSONText(str):
    """A str whose repr is itself: the kernel's text/plain is the bare JSON."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)


def _user_names() -> list[str]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        import __main__

        return list(vars(__main__))
    hidden = getattr(shell, "user_ns_hidden", {})
    return [name for name in shell.user_ns if name not in hidden]


def kernel_guard(cells_json: str) -> _JSONText:
    """The guard against this kernel's user namespace; ``cells_json`` is the cell list as JSON."""
    return _JSONText(guard_json(json.loads(cells_json), _user_names()))
