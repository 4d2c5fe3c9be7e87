# Evaluation only (IPYTHONDIR of the eval server's kernels; see ui-tests/eval.config.js):
# log every code execution that is not silent (notebook cells, run_scratch, proof runs) to
# DE_EVAL_LOG_DIR/kernel-<pid>.jsonl, so checkers see what ran, including code run with
# store_history=False, which IPython's own history (In) leaves out. Silent requests (the
# extension's inspector, the checkers' probes) do not fire pre_run_cell.
def _de_eval_install():
    import json
    import os
    import re
    import time

    folder = os.environ.get("DE_EVAL_LOG_DIR")
    if not folder:
        return
    path = os.path.join(folder, f"kernel-{os.getpid()}.jsonl")
    scratch = re.compile(r"\.run_scratch\((\"(?:[^\"\\]|\\.)*\")\)\s*$", re.S)

    def pre_run_cell(info):
        code = info.raw_cell or ""
        kind = "cell" if info.store_history else "unstored"
        match = scratch.search(code)
        if match:
            try:
                code, kind = json.loads(match.group(1)), "scratch"
            except ValueError:
                pass
        record = {"t": time.time(), "kind": kind, "cwd": os.getcwd(), "code": code}
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    get_ipython().events.register("pre_run_cell", pre_run_cell)  # noqa: F821


_de_eval_install()
del _de_eval_install
