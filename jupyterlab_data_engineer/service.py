"""Running the proxy on its own, as a JupyterHub service that holds the key.

User servers then set ``ANTHROPIC_BASE_URL`` to this server's proxy route and
keep no key at all (README, "JupyterHub"). The service's Jupyter server has no
token (the user servers' proxies cannot send one), so this authorizer is what
keeps it from being a code-execution server: it allows the proxy's routes and
nothing else (no kernels, terminals, contents or files).
"""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer


class ProxyOnlyAuthorizer(Authorizer):
    """Authorizes the ``data-engineer`` resource (the proxy) and refuses everything else."""

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        return resource == "data-engineer"
