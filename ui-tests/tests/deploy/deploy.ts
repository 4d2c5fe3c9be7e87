import {
  APIRequestContext,
  expect,
  Page,
  test as base
} from '@playwright/test';

/**
 * The 'deploy' project's server (jupyter_server_deploy_config.py): token
 * auth, XSRF checks, no hidden files, under /user/alice/. Plain Playwright:
 * Galata's fixtures assume a token-less server without XSRF checks.
 */
export const ORIGIN = 'http://127.0.0.1:8889';
export const PREFIX = '/user/alice/';
export const BASE = `${ORIGIN}${PREFIX}`;
export const TOKEN = process.env.DE_DEPLOY_TOKEN ?? 'deploy-token-7f3a9c';
export const ROOT = process.env.DE_DEPLOY_ROOT_DIR ?? '/tmp/de-deploy-root';

/** Headers of a script or API client that holds the token (no XSRF needed then). */
export const WITH_TOKEN = { Authorization: `token ${TOKEN}` };

/** A contents API call as a token holder (`query`: the URL's query string, without `?`). */
export async function contents(
  request: APIRequestContext,
  path: string,
  init: { method?: string; data?: unknown; query?: string } = {}
) {
  const url = `${BASE}api/contents/${path.split('/').map(encodeURIComponent).join('/')}${init.query ? `?${init.query}` : ''}`;
  return request.fetch(url, {
    method: init.method ?? 'GET',
    headers: WITH_TOKEN,
    data: init.data as any
  });
}

/** A text file's content through the contents API, or null when it is not there. */
export async function fileText(
  request: APIRequestContext,
  path: string
): Promise<string | null> {
  const response = await contents(request, path, {
    query: 'content=1&type=file&format=text'
  });
  return response.ok() ? (await response.json()).content : null;
}

/** Log in through the server's login page with the token, as a user would. */
export async function logIn(page: Page): Promise<void> {
  await page.goto(`${BASE}lab`);
  await submitLogin(page);
}

/** On the login page: type the token, submit, and wait for JupyterLab. */
export async function submitLogin(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/user\/alice\/login/);
  await page.locator('#password_input').fill(TOKEN);
  await page
    .locator('#login_submit, button[type="submit"], input[type="submit"]')
    .first()
    .click();
  await waitForLab(page);
}

/** Wait until JupyterLab is up (the chat's sidebar tab is there). */
export async function waitForLab(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/user\/alice\/lab/, { timeout: 60000 });
  await expect(
    page.locator(
      '.jp-SideBar.jp-mod-right .lm-TabBar-tab[title="Data Engineer Chat"]'
    )
  ).toHaveCount(1, {
    timeout: 60000
  });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 60000
  });
}

/** Open the chat by its sidebar tab (a click on the current tab would close the sidebar). */
export async function openChatTab(page: Page): Promise<void> {
  const tab = page.locator(
    '.jp-SideBar.jp-mod-right .lm-TabBar-tab[title="Data Engineer Chat"]'
  );
  if (!/\blm-mod-current\b/.test((await tab.getAttribute('class')) ?? '')) {
    await tab.click();
  }
  await expect(tab).toHaveClass(/\blm-mod-current\b/);
  await expect(page.locator('.jp-DataEngineer-input')).toBeVisible({
    timeout: 30000
  });
}

/** `page` comes logged in; the page holds no token (the server serves it without, see hub_like_page.py). */
export const test = base.extend<{ lab: Page }>({
  lab: async ({ page }, use) => {
    await logIn(page);
    // The page's config holds no token: requests authenticate with the cookie (+ XSRF).
    const config = await page.locator('#jupyter-config-data').textContent();
    expect(config).toMatch(/"token":\s*""/);
    expect(config).not.toContain(TOKEN);
    await use(page);
  }
});

export { expect };
