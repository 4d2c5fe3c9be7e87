/**
 * Galata configuration: Debian's Chromium (no browser download), no video
 * (it needs a downloaded ffmpeg), one worker because the tests share one
 * scripted mock Messages API.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 90000,
  reporter: [['list'], ['html', { open: 'never' }]],
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
    {
      command: 'npm start',
      url: 'http://localhost:8888/lab',
      timeout: 180000,
      reuseExistingServer: !process.env.CI
    }
  ]
};
