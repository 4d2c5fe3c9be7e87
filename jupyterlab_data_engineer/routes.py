"""URL routes of the server extension."""

from __future__ import annotations

from jupyter_server.utils import url_path_join

from .config import DataEngineer
from .files import PathsInsideHandler
from .github_repo import GitHubRepoSearch, GitHubSearchHandler, GitHubStatusHandler
from .mcp import create_manager as create_mcp_manager
from .mcp.handlers import mcp_handlers
from .problems import ProblemsHandler
from .proxy import (
    ConfigHandler,
    CountTokensHandler,
    MessagesHandler,
    ModelsHandler,
    NotFoundHandler,
    UpstreamClient,
)
from .symbols import UsagesHandler

NAMESPACE = "data-engineer"

# A model id as the API spells them (e.g. claude-sonnet-4-5-20250929); the
# character class keeps anything path- or URL-like out of the upstream URL.
MODEL_ID = r"([A-Za-z0-9][A-Za-z0-9._:@-]{0,255})"


def setup_route_handlers(web_app, config: DataEngineer) -> None:
    """Add the extension's handlers to the Jupyter server's tornado app."""
    from . import __version__

    base_url = web_app.settings["base_url"]
    root = url_path_join(base_url, NAMESPACE)
    api = url_path_join(root, "anthropic")
    kwargs = {
        "data_engineer": config,
        "upstream_client": UpstreamClient(f"jupyterlab-data-engineer/{__version__}"),
    }
    github = {"service": GitHubRepoSearch(config, f"jupyterlab-data-engineer/{__version__}")}
    # Tornado anchors each pattern at both ends; the first match wins, so the
    # catch-all must come last.
    handlers = [
        (url_path_join(api, "v1/messages"), MessagesHandler, kwargs),
        (url_path_join(api, "v1/messages/count_tokens"), CountTokensHandler, kwargs),
        (url_path_join(api, "v1/models"), ModelsHandler, kwargs),
        (url_path_join(api, "v1/models", MODEL_ID), ModelsHandler, kwargs),
        (url_path_join(root, "config"), ConfigHandler, kwargs),
        # The file tools' symlink check (files.py).
        (url_path_join(root, "files/inside"), PathsInsideHandler),
        # Diagnostics for get_problems (problems.py).
        (url_path_join(root, "problems"), ProblemsHandler),
        # Symbol-aware find_usages (symbols.py).
        (url_path_join(root, "usages"), UsagesHandler),
        # search_github_repo (github_repo.py).
        (url_path_join(root, "github/status"), GitHubStatusHandler, github),
        (url_path_join(root, "github/search"), GitHubSearchHandler, github),
        # MCP bridge (jupyterlab_data_engineer/mcp/handlers.py)
        *mcp_handlers(root, create_mcp_manager(web_app, config)),
        (root + r"(?:/.*)?", NotFoundHandler, kwargs),
    ]
    web_app.add_handlers(".*$", handlers)
