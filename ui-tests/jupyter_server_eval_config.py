"""Jupyter server configuration for the evaluation (`npm run eval`, eval.config.js).

The server root is a throw-away folder (EVAL_ROOT): before each task the runner empties it
and copies the task's fixture in. The model endpoint is the upstream in ANTHROPIC_BASE_URL
with the key in ANTHROPIC_API_KEY (live mode: the extension reads both from the environment,
as in any deployment), or the scripted mock on EVAL_MOCK_PORT (replay mode).

Kernels inherit IPYTHONDIR, whose startup file (eval/ipython/startup) logs every code
execution that is not silent, cells and run_scratch alike, to DE_EVAL_LOG_DIR: the checkers
read it next to IPython's own history.
"""
import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.port = int(os.environ.get("EVAL_JUPYTER_PORT", "8899"))  # noqa: F821
c.ServerApp.root_dir = os.environ["EVAL_ROOT"]  # noqa: F821
# The tasks' settings go through the settings API: into the run's own folder, never the
# user's ~/.jupyter/lab/user-settings.
c.LabApp.user_settings_dir = os.path.join(os.environ["EVAL_STATE"], "user-settings")  # noqa: F821
# Personas, chats (.jupyter/chats) and .env fixtures are hidden files.
c.ContentsManager.allow_hidden = True  # noqa: F821
if os.environ.get("EVAL_MODE") == "replay":
    c.DataEngineer.anthropic_base_url = f"http://127.0.0.1:{os.environ.get('EVAL_MOCK_PORT', '8766')}"  # noqa: F821
    c.DataEngineer.anthropic_api_key = "sk-ant-test-eval"  # noqa: F821
