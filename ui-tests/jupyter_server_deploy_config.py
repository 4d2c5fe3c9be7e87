"""Jupyter server configuration for the 'deploy' Playwright project.

Runs the extension the way users deploy it, unlike Galata's test server:
token authentication on, XSRF checks on, the page served without the token
(cookie login, as under JupyterHub: hub_like_page.py), hidden files refused
(`ContentsManager.allow_hidden` left at its default, so the chat and persona
folders fall back to visible ones), and a JupyterHub-like `base_url`
(/user/alice/). The model endpoint is the mock Messages API (port 8765).
The token is a test value (tests/deploy/deploy.ts reads the same variable).
"""
import json
import os
import shutil
import sys
from pathlib import Path
from tempfile import mkdtemp

c.ServerApp.port = 8889  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.base_url = "/user/alice/"  # noqa: F821
c.IdentityProvider.token = os.environ.get("DE_DEPLOY_TOKEN", "deploy-token-7f3a9c")  # noqa: F821
# XSRF: jupyter_server's default (checked); allow_hidden: its default (False).
c.ServerApp.disable_check_xsrf = False  # noqa: F821
c.ContentsManager.allow_hidden = False  # noqa: F821
# The page holds no token, as under JupyterHub (hub_like_page.py, next to this file).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
c.ServerApp.jpserver_extensions.update({"hub_like_page": True})  # noqa: F821
# A fixed, emptied root: the specs put files there directly (tests/deploy/deploy.ts).
root = Path(os.environ.get("DE_DEPLOY_ROOT_DIR", "/tmp/de-deploy-root"))
shutil.rmtree(root, ignore_errors=True)
root.mkdir(parents=True)
c.ServerApp.root_dir = str(root)  # noqa: F821
c.LabApp.workspaces_dir = mkdtemp(prefix="de-deploy-workspaces-")  # noqa: F821

# A fresh user settings folder: only the news toast is turned off (it covers
# the chat composer); everything else keeps its default.
settings = Path(mkdtemp(prefix="de-deploy-settings-"))
(settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
    json.dumps({"fetchNews": "false"})
)
c.LabApp.user_settings_dir = str(settings)  # noqa: F821

c.DataEngineer.anthropic_base_url = os.environ.get(  # noqa: F821
    "DATA_ENGINEER_TEST_UPSTREAM", "http://127.0.0.1:8765"
)
c.DataEngineer.anthropic_api_key = "sk-ant-test-deploy"  # noqa: F821
