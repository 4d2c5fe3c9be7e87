"""A server extension for the 'deploy' Playwright project only
(jupyter_server_deploy_config.py loads it): JupyterLab's page is served
without the server's token, as JupyterHub's single-user servers do
(jupyterlab/labapp.py blanks ``page_config["token"]`` under a hub). The page
then authenticates with the login cookie, and every POST/PUT/DELETE it makes
must carry the XSRF header: what users behind a hub get.
"""


def _jupyter_server_extension_points():
    return [{"module": "hub_like_page"}]


def _load_jupyter_server_extension(serverapp):
    pass


async def _start_jupyter_server_extension(serverapp):
    # After every extension loaded (JupyterLab sets the token while loading).
    serverapp.web_app.settings.setdefault("page_config_data", {})["token"] = ""
    serverapp.log.info("hub_like_page: JupyterLab's page holds no token (cookie login, as under JupyterHub)")
