"""Jupyter server configuration for the 'notebook7' Playwright project:
`jupyter notebook` (Notebook 7) on port 8890 against the mock Messages API,
token and XSRF off like Galata's server, in a throw-away root folder."""
import json
import os
from pathlib import Path
from tempfile import mkdtemp

c.ServerApp.port = 8890  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.IdentityProvider.token = ""  # noqa: F821
c.ServerApp.password = ""  # noqa: F821
c.ServerApp.disable_check_xsrf = True  # noqa: F821
c.ServerApp.root_dir = mkdtemp(prefix="de-notebook7-root-")  # noqa: F821
# As Galata's server (jupyter_server_test_config.py): a test writes .vscode/mcp.json.
c.ContentsManager.allow_hidden = True  # noqa: F821
settings = Path(mkdtemp(prefix="de-notebook7-settings-"))
(settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
    json.dumps({"fetchNews": "false"})
)
c.JupyterNotebookApp.user_settings_dir = str(settings)  # noqa: F821
c.JupyterNotebookApp.expose_app_in_browser = True  # noqa: F821
c.DataEngineer.anthropic_base_url = os.environ.get(  # noqa: F821
    "DATA_ENGINEER_TEST_UPSTREAM", "http://127.0.0.1:8765"
)
c.DataEngineer.anthropic_api_key = "sk-ant-test-galata"  # noqa: F821
