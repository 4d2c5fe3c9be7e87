"""Server-side settings of the Data Engineer extension.

Admins set them in ``jupyter_server_config.py``::

    c.DataEngineer.anthropic_api_key = "sk-ant-..."
    c.DataEngineer.anthropic_base_url = "http://127.0.0.1:8080"

or on the command line (``--DataEngineer.anthropic_base_url=...``). Values set
there win over the environment variables ``ANTHROPIC_API_KEY`` and
``ANTHROPIC_BASE_URL``, which are read at request time.

Kernels and terminals inherit the server's environment, so at load the
extension moves ``ANTHROPIC_API_KEY`` (and ``ANTHROPIC_AUTH_TOKEN``) out of
``os.environ`` into this object (``take_secrets_from_environment``).
``ANTHROPIC_BASE_URL`` holds no secret and stays where it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from traitlets import Bool, Dict, Float, Int, Unicode
from traitlets.config import Configurable

DEFAULT_BASE_URL = "https://api.anthropic.com"

ENV_API_KEY = "ANTHROPIC_API_KEY"
ENV_BASE_URL = "ANTHROPIC_BASE_URL"
ENV_AUTH_TOKEN = "ANTHROPIC_AUTH_TOKEN"

# Taken out of the server's environment at load: every kernel and terminal
# started afterwards would otherwise inherit them.
SECRET_ENV_VARS = (ENV_API_KEY, ENV_AUTH_TOKEN)

NO_KEY_MESSAGE = (
    "No Anthropic API key is configured on the Jupyter server. "
    "Set the ANTHROPIC_API_KEY environment variable in the environment that starts "
    "the Jupyter server, or set c.DataEngineer.anthropic_api_key in "
    "jupyter_server_config.py, then restart the Jupyter server."
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Upstream:
    """A parsed, validated upstream base URL."""

    scheme: str
    host: str  # lower-cased host name, IPv6 literals without brackets
    port: int | None  # explicit port, None when the scheme default
    path: str  # path prefix without trailing slash ("" for none)
    url: str  # the URL requests are built from (may include userinfo)

    @property
    def netloc(self) -> str:
        """host[:port] without userinfo: what messages may show."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    @property
    def origin(self) -> str:
        """scheme://host[:port] without userinfo or path."""
        return f"{self.scheme}://{self.netloc}"

    def endpoint(self, path: str) -> str:
        """Full URL of an API path such as ``/v1/messages``."""
        return self.url + path

    def is_default(self) -> bool:
        return _same_origin(self, _DEFAULT_UPSTREAM)


def parse_base_url(value: str) -> Upstream:
    """Validate and normalise a base URL; raise ValueError with a plain message."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ValueError(f"The Anthropic base URL is not a valid URL ({err}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "The Anthropic base URL must be an http:// or https:// URL with a host name, "
            "for example https://api.anthropic.com."
        )
    if parts.query or parts.fragment:
        raise ValueError("The Anthropic base URL must not contain a query string or fragment.")
    if port is not None and port == _DEFAULT_PORTS[scheme]:
        port = None
    path = parts.path.rstrip("/")
    url = f"{scheme}://{parts.netloc}{path}"
    return Upstream(scheme=scheme, host=parts.hostname.lower(), port=port, path=path, url=url)


def _same_origin(a: Upstream, b: Upstream) -> bool:
    return (a.scheme, a.host, a.port, a.path) == (b.scheme, b.host, b.port, b.path)


_DEFAULT_UPSTREAM = parse_base_url(DEFAULT_BASE_URL)


def mask_secret(text: str, secret: str | None) -> str:
    """Replace every occurrence of ``secret`` in ``text``."""
    if secret and text:
        text = text.replace(secret, "***")
    return text


class DataEngineer(Configurable):
    """Settings of the jupyterlab-data-engineer server extension."""

    anthropic_api_key = Unicode(
        None,
        allow_none=True,
        config=True,
        help=(
            "Anthropic API key the server adds to proxied requests (as x-api-key). "
            "It never reaches the browser. Falls back to the ANTHROPIC_API_KEY "
            "environment variable of the Jupyter server when unset or empty."
        ),
    )

    anthropic_base_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help=(
            "Base URL of the Anthropic-compatible API to forward to (scheme, host, "
            "optional port and path prefix). Falls back to the ANTHROPIC_BASE_URL "
            "environment variable, then to https://api.anthropic.com. A custom base URL "
            "may be used without an API key (local or compatible endpoints)."
        ),
    )

    request_timeout = Float(
        600.0,
        config=True,
        help=(
            "Seconds to wait for the upstream API to connect and send its response "
            "headers. A response that has started streaming is never cut by a timeout."
        ),
    )

    connect_timeout = Float(
        30.0,
        config=True,
        help="Seconds to wait for the TCP/TLS connection to the upstream API.",
    )

    # -- MCP servers (jupyterlab_data_engineer/mcp) --------------------------
    mcp_servers = Dict(
        {},
        config=True,
        help=(
            "MCP servers for every user, in VS Code's mcp.json shape: "
            '{"servers": {"name": {"type": "stdio", "command": ..., "args": [...], "env": {...}, '
            '"envFile": ...} | {"type": "http", "url": ..., "headers": {...}}}, "inputs": [...]}. '
            "Trusted (no prompt); env and header values never reach the browser."
        ),
    )
    mcp_workspace_servers = Bool(
        True,
        config=True,
        help="Whether the server root's .vscode/mcp.json may define MCP servers (stdio ones after the user trusts the file).",
    )
    mcp_idle_timeout = Float(600.0, config=True, help="Seconds without calls after which an MCP server is stopped (0: never).")
    mcp_start_timeout = Float(30.0, config=True, help="Seconds an MCP server may take to start and answer the handshake.")
    mcp_call_timeout = Float(60.0, config=True, help="Seconds an MCP tool call may take.")
    mcp_max_result_chars = Int(100_000, config=True, help="Characters of text one MCP tool result may return to the chat.")

    # -- search_github_repo (jupyterlab_data_engineer/github_repo.py) -------
    github_api_url = Unicode(
        "https://api.github.com",
        config=True,
        help="GitHub REST API base URL for search_github_repo (GitHub Enterprise: https://HOST/api/v3).",
    )
    github_token = Unicode(
        None,
        allow_none=True,
        config=True,
        help=(
            "Token search_github_repo sends to GitHub (private repositories, a higher rate limit). "
            "Kept on the server; never sent to the browser. Public repositories need none."
        ),
    )
    github_cache_dir = Unicode(
        "",
        config=True,
        help="Folder of the downloaded repositories (default: <Jupyter data dir>/data-engineer/github-cache, outside the server root).",
    )
    github_repo_max_bytes = Int(
        200 * 1024 * 1024,
        config=True,
        help="Largest repository search_github_repo downloads (archive and unpacked size, bytes).",
    )
    github_cache_max_bytes = Int(
        1024 * 1024 * 1024,
        config=True,
        help="Size of the repository cache; the least recently searched repositories are dropped beyond it (bytes).",
    )
    github_timeout = Float(60.0, config=True, help="Seconds a GitHub API call or archive download may take.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Secrets moved out of os.environ, by variable name.
        self._env_secrets: dict[str, str] = {}

    def take_secrets_from_environment(self, environ=os.environ) -> list[str]:
        """Move the key variables out of ``environ`` into this object; return their names."""
        taken = []
        for name in SECRET_ENV_VARS:
            value = environ.pop(name, None)  # os.environ.pop also unsetenv()s
            if value is not None:
                self._env_secrets[name] = value
                taken.append(name)
        return taken

    # -- resolved values ---------------------------------------------------

    def _env_api_key(self) -> str | None:
        # A value set in os.environ after load still wins, as before the move:
        # the environment was always read at request time.
        for candidate in (os.environ.get(ENV_API_KEY), self._env_secrets.get(ENV_API_KEY)):
            if candidate and candidate.strip():
                return candidate.strip()
        return None

    def resolved_api_key(self) -> str | None:
        """The key to use: config, else the environment; None when neither is set."""
        if self.anthropic_api_key and self.anthropic_api_key.strip():
            return self.anthropic_api_key.strip()
        return self._env_api_key()

    def key_source(self) -> str | None:
        """Where the key comes from ("config", "environment"), None without one."""
        if self.anthropic_api_key and self.anthropic_api_key.strip():
            return "config"
        if self._env_api_key():
            return "environment"
        return None

    def resolved_base_url(self) -> str:
        for candidate in (self.anthropic_base_url, os.environ.get(ENV_BASE_URL)):
            if candidate and candidate.strip():
                return candidate.strip()
        return DEFAULT_BASE_URL

    def upstream(self) -> Upstream:
        """The parsed upstream; raises ValueError for an unusable base URL."""
        return parse_base_url(self.resolved_base_url())

    def describe(self) -> str:
        """One log line's worth of state, never containing the key."""
        try:
            upstream = self.upstream()
            target = upstream.origin + upstream.path
        except ValueError as err:
            target = f"<invalid base URL: {err}>"
        source = self.key_source()
        key_state = f"API key from {source}" if source else "no API key"
        return f"Anthropic proxy at /data-engineer/anthropic -> {target} ({key_state})"
