"""Jupyter server configuration for the Galata UI tests.

The model endpoint is the mock Messages API (mock/mock_anthropic.py) on port
8765; the key below is a test value the mock checks, never a real one.
"""
import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.allow_root = True  # noqa: F821
c.DataEngineer.anthropic_base_url = os.environ.get(  # noqa: F821
    "DATA_ENGINEER_TEST_UPSTREAM", "http://127.0.0.1:8765"
)
c.DataEngineer.anthropic_api_key = "sk-ant-test-galata"  # noqa: F821
# Workspace personas live in .github/ (tested in the persona suite).
c.ContentsManager.allow_hidden = True  # noqa: F821
