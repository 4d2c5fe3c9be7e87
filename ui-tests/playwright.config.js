/**
 * Galata configuration: Debian's Chromium (no browser download), no video
 * (it needs a downloaded ffmpeg), one worker because the tests share one
 * scripted mock Messages API.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

/**
 * The projects picked with `--project` (all when none is): only their Jupyter
 * servers are started, so `--project=deploy` does not wait for three others.
 */
function pickedProjects(argv) {
  const picked = [];
  argv.forEach((arg, i) => {
    if (arg.startsWith('--project=')) {
      picked.push(arg.slice('--project='.length));
    } else if (arg === '--project' && argv[i + 1]) {
      picked.push(argv[i + 1]);
    }
  });
  return picked;
}
const picked = pickedProjects(process.argv);
const wanted = name => picked.length === 0 || picked.includes(name);

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 90000,
  reporter: [['list'], ['html', { open: 'never' }]],
  // The Galata suite (default project) and the deployment-like ones below
  // each run only their own specs: `--project=<name>` picks one.
  projects: [
    {
      name: 'jupyterlab',
      testIgnore: ['**/deploy/**', '**/notebook7*.spec.ts']
    },
    // As users deploy: token, XSRF, no hidden files, a /user/alice/ prefix
    // (jupyter_server_deploy_config.py); plain Playwright, no Galata fixtures.
    {
      name: 'deploy',
      testMatch: ['**/deploy/**/*.spec.ts'],
      use: { baseURL: 'http://127.0.0.1:8889' }
    },
    // Jupyter Notebook 7 (`jupyter notebook`) with the same extension.
    {
      name: 'notebook7',
      testMatch: ['**/notebook7*.spec.ts'],
      use: { baseURL: 'http://127.0.0.1:8890' }
    }
  ],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: [
    {
      command: 'python3 mock/mock_anthropic.py --port 8765',
      url: 'http://127.0.0.1:8765/_mock/requests',
      timeout: 30000,
      reuseExistingServer: !process.env.CI
    },
    wanted('jupyterlab') && {
      command: 'npm start',
      url: 'http://localhost:8888/lab',
      timeout: 180000,
      reuseExistingServer: !process.env.CI
    },
    wanted('deploy') && {
      // The 'deploy' project's server; its login page answers without a token.
      command: 'jupyter lab --config jupyter_server_deploy_config.py',
      url: 'http://127.0.0.1:8889/user/alice/login',
      timeout: 180000,
      reuseExistingServer: !process.env.CI
    },
    wanted('notebook7') && {
      // The 'notebook7' project's server (jupyter_server_notebook7_config.py).
      command: 'jupyter notebook --config jupyter_server_notebook7_config.py',
      url: 'http://127.0.0.1:8890/tree',
      timeout: 180000,
      reuseExistingServer: !process.env.CI
    }
  ].filter(Boolean)
};
