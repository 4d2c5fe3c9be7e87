import { APIRequestContext, expect, Page, test as base } from '@playwright/test';

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

/** A contents API call as a token holder. */
export async function contents(request: APIRequestContext, path: string, init: { method?: string; data?: unknown } = {}) {
  const url = `${BASE}api/contents/${path.split('/').map(encodeURIComponent).join('/')}`;
  return request.fetch(url, { method: init.method ?? 'GET', headers: WITH_TOKEN, data: init.data as any });
}

/** A text file's content through the contents API, or null when it is not there. */
export async function fileText(request: APIRequestContext, path: string): Promise<string | null> {
  const response = await contents(request, `${path}?content=1&type=file&format=text`);
  return response.ok() ? (await response.json()).content : null;
}

/**
 * Serve JupyterLab's page without the server token in its page config, as
 * JupyterHub does: the page then authenticates with the login cookie and
 * every POST/PUT must carry the XSRF header (what users behind a hub get).
 */
async function withoutPageToken(page: Page): Promise<void> {
  await page.route(
    url => url.pathname.startsWith(`${PREFIX}lab`),
    async route => {
      if (route.request().resourceType() !== 'document') {
        return route.fallback();
      }
      // Redirects (to the login page) go back to the browser as they are.
      const response = await route.fetch({ maxRedirects: 0 });
      if (response.status() !== 200) {
        return route.fulfill({ response });
      }
      const html = await response.text();
      await route.fulfill({ response, body: html.split(TOKEN).join('') });
    }
  );
}

/** Log in through the server's login page with the token, as a user would. */
export async function logIn(page: Page): Promise<void> {
  await page.goto(`${BASE}lab`);
  await expect(page).toHaveURL(/\/user\/alice\/login/);
  await page.locator('#password_input').fill(TOKEN);
  await page.locator('#login_submit, button[type="submit"], input[type="submit"]').first().click();
  await waitForLab(page);
}

/** Wait until JupyterLab is up (the chat's sidebar tab is there). */
export async function waitForLab(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/user\/alice\/lab/, { timeout: 60000 });
  await expect(page.locator('.jp-SideBar.jp-mod-right .lm-TabBar-tab[title="Data Engineer Chat"]')).toHaveCount(1, {
    timeout: 60000
  });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, { timeout: 60000 });
}

/** Open the chat by its sidebar tab. */
export async function openChatTab(page: Page): Promise<void> {
  const input = page.locator('.jp-DataEngineer-input');
  if (!(await input.isVisible())) {
    await page.locator('.jp-SideBar.jp-mod-right .lm-TabBar-tab[title="Data Engineer Chat"]').click();
  }
  await expect(input).toBeVisible({ timeout: 30000 });
}

/** `page` comes logged in, with the token kept out of the page. */
export const test = base.extend<{ lab: Page }>({
  lab: async ({ page }, use) => {
    await withoutPageToken(page);
    await logIn(page);
    // The page's config holds no token: requests authenticate with the cookie (+ XSRF).
    const config = await page.locator('#jupyter-config-data').textContent();
    expect(config).toMatch(/"token":\s*""/);
    expect(config).not.toContain(TOKEN);
    await use(page);
  }
});

export { expect };
