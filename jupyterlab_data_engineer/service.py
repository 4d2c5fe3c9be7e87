"""Running the proxy on its own, as a JupyterHub service that holds the key.

User servers then set ``ANTHROPIC_BASE_URL`` to this server's proxy route and
keep no key at all (docs/admin.md, "JupyterHub"). The service's Jupyter server
has no token (the user servers' proxies cannot send one), so this authorizer is
what keeps it from being a code-execution server: it allows the proxy's routes
and the config route, and nothing else (no kernels, terminals, contents, files,
no MCP bridge and no symlink check, although those share the ``data-engineer``
auth resource).
"""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer

from .proxy import AnthropicProxyHandler, ConfigHandler

# The handlers a tokenless service may run: the four forwarded routes and the config.
_ADMITTED = (AnthropicProxyHandler, ConfigHandler)


class ProxyOnlyAuthorizer(Authorizer):
    """Authorizes the proxy and config handlers and refuses everything else."""

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        return resource == "data-engineer" and isinstance(handler, _ADMITTED)
