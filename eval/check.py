"""Run one evaluation task's checker: ``eval/tasks/<name>/check.py`` defines ``check(ctx)``.

Checkers look at what the run left behind, never at what the model said about it: the files
in the server root, the saved notebooks, the live kernels (through their connection files,
with silent execute requests that add nothing to the user's namespace or history), the
kernels' execution log (every non-silent execution, see eval/ipython/startup) and the tool
calls recorded in the saved chat (what the agent did, with the results the tools returned).

Prints one JSON line: {"passed": bool, "failures": [...], "checks": [...]}.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import sys
import traceback
import urllib.request
from pathlib import Path


class Context:
    def __init__(self, root: Path, chat: dict, server: str, log_dir: Path, variables: dict):
        self.root = root
        self.chat = chat
        self.server = server.rstrip("/")
        self.log_dir = log_dir
        self.vars = variables
        self.failures: list[str] = []
        self.checks: list[str] = []
        self._clients: dict[str, object] = {}

    # -- verdicts ---------------------------------------------------------
    def expect(self, condition, message: str) -> bool:
        (self.checks if condition else self.failures).append(message)
        return bool(condition)

    # -- the chat ---------------------------------------------------------
    @property
    def turns(self) -> list[dict]:
        return self.chat.get("turns") or []

    def replies(self) -> list[dict]:
        return [t for t in self.turns if t.get("role") == "assistant"]

    def tool_calls(self, name: str | None = None) -> list[dict]:
        calls = []
        for turn in self.replies():
            for block in turn.get("blocks") or []:
                if block.get("type") == "tool" and (name is None or block["call"].get("name") == name):
                    calls.append(block["call"])
        return calls

    @staticmethod
    def result_text(call: dict) -> str:
        content = (call.get("result") or {}).get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "\n".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
        return "" if content is None else json.dumps(content)

    def assistant_text(self) -> str:
        return "\n".join(t.get("text") or "" for t in self.replies())

    # -- files and notebooks ----------------------------------------------
    def path(self, relative: str) -> Path:
        return self.root / relative

    def notebook(self, relative: str) -> dict | None:
        file = self.path(relative)
        if not file.exists():
            return None
        return json.loads(file.read_text(encoding="utf-8"))

    @staticmethod
    def code_cells(notebook: dict | None) -> list[dict]:
        if not notebook:
            return []
        return [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]

    @staticmethod
    def source(cell: dict) -> str:
        src = cell.get("source", "")
        return "".join(src) if isinstance(src, list) else src

    def cell(self, notebook: dict | None, cell_id: str) -> dict | None:
        for c in (notebook or {}).get("cells", []):
            if c.get("id") == cell_id:
                return c
        return None

    @staticmethod
    def errors(notebook: dict | None) -> list[str]:
        found = []
        for c in Context.code_cells(notebook):
            for out in c.get("outputs", []):
                if out.get("output_type") == "error":
                    found.append(f"{c.get('id')}: {out.get('ename')}: {out.get('evalue')}")
        return found

    def files(self, skip_hidden_dirs=(".jupyter",)) -> list[Path]:
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel = Path(dirpath).relative_to(self.root)
            if rel.parts and rel.parts[0] in skip_hidden_dirs:
                continue
            out.extend(Path(dirpath) / f for f in filenames)
        return out

    # -- the kernels ------------------------------------------------------
    def code_log(self) -> list[dict]:
        """Every non-silent execution of every kernel of this task, in order."""
        records = []
        for file in sorted(self.log_dir.glob("kernel-*.jsonl")):
            for line in file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    rec["kernel_pid"] = file.stem
                    records.append(rec)
        return sorted(records, key=lambda r: r["t"])

    def sessions(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.server}/api/sessions", timeout=10) as resp:
            return json.loads(resp.read())

    def kernel_id(self, notebook_path: str) -> str | None:
        for s in self.sessions():
            if s.get("path") == notebook_path and s.get("kernel"):
                return s["kernel"]["id"]
        return None

    def kernel_eval(self, notebook_path: str, code: str, timeout: float = 60):
        """Run `code` in the notebook's kernel, silently, in a private namespace that sees the
        user's as `user_ns`; returns its `result` (JSON round trip). Nothing is added to the
        user's namespace, history or execution count."""
        from jupyter_client import BlockingKernelClient
        from jupyter_core.paths import jupyter_runtime_dir

        kid = self.kernel_id(notebook_path)
        if kid is None:
            raise LookupError(f"no kernel session for {notebook_path}")
        client = self._clients.get(kid)
        if client is None:
            client = BlockingKernelClient(connection_file=os.path.join(jupyter_runtime_dir(), f"kernel-{kid}.json"))
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=30)
            self._clients[kid] = client
        expression = (
            "__import__('json').dumps((lambda ns: (exec(compile(%r, '<eval-check>', 'exec'), ns), ns.get('result'))[1])"
            "({'user_ns': get_ipython().user_ns}), default=str)" % code
        )
        msg_id = client.execute("pass", silent=True, store_history=False, user_expressions={"r": expression})
        while True:
            reply = client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        value = reply["content"]["user_expressions"]["r"]
        if value.get("status") != "ok":
            raise RuntimeError(f"kernel_eval: {value.get('ename')}: {value.get('evalue')}")
        return json.loads(ast.literal_eval(value["data"]["text/plain"]))

    def history(self, notebook_path: str) -> list[str]:
        """IPython's own history of the notebook's kernel (`In`: cells run with store_history)."""
        return self.kernel_eval(notebook_path, "result = list(user_ns.get('In', []))")

    def close(self):
        for client in self._clients.values():
            try:
                client.stop_channels()
            except Exception:
                pass


def normalise_sql(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip().lower()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--chat", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--vars", default="{}")
    args = parser.parse_args()
    chat = json.loads(Path(args.chat).read_text(encoding="utf-8"))
    ctx = Context(Path(args.root), chat, args.server, Path(args.log_dir), json.loads(args.vars))
    spec = importlib.util.spec_from_file_location("task_check", Path(args.task) / "check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["task_check"] = module
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        spec.loader.exec_module(module)
        module.check(ctx)
    except Exception as error:  # a crash is a failure, with its reason
        ctx.failures.append(f"checker error: {type(error).__name__}: {error} | {traceback.format_exc(limit=3)[-600:]}")
    finally:
        ctx.close()
    if not ctx.failures and not ctx.checks:
        ctx.failures.append("the checker checked nothing")
    print(json.dumps({"passed": not ctx.failures, "failures": ctx.failures, "checks": ctx.checks}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
