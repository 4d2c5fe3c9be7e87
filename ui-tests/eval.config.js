/**
 * The evaluation (`npm run eval`, eval/run.mjs): one Jupyter server whose root is a
 * throw-away folder (EVAL_ROOT), one browser for every task (a worker-scoped page), Debian's
 * Chromium as in playwright.config.js. EVAL_MODE=replay adds the scripted mock Messages API
 * and points the server at it; live mode uses ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const base = require('./playwright.config');

const mode = process.env.EVAL_MODE === 'live' ? 'live' : 'replay';
process.env.EVAL_MODE = mode;
process.env.EVAL_JUPYTER_PORT = process.env.EVAL_JUPYTER_PORT || '8899';
process.env.EVAL_MOCK_PORT = process.env.EVAL_MOCK_PORT || '8766';
if (!process.env.EVAL_STATE) {
  // Workers and the web servers inherit the environment of this (main) process.
  process.env.EVAL_STATE = fs.mkdtempSync(path.join(os.tmpdir(), 'de-eval-'));
}
const state = process.env.EVAL_STATE;
process.env.EVAL_ROOT = path.join(state, 'root');
process.env.DE_EVAL_LOG_DIR = path.join(state, 'log');
process.env.IPYTHONDIR = path.join(state, 'ipython');
process.env.JUPYTER_RUNTIME_DIR = path.join(state, 'runtime');
for (const dir of [
  process.env.EVAL_ROOT,
  process.env.DE_EVAL_LOG_DIR,
  process.env.JUPYTER_RUNTIME_DIR
]) {
  fs.mkdirSync(dir, { recursive: true });
}
const startup = path.join(process.env.IPYTHONDIR, 'profile_default', 'startup');
fs.mkdirSync(startup, { recursive: true });
fs.copyFileSync(
  path.resolve(__dirname, '../eval/ipython/startup/00-de-eval-log.py'),
  path.join(startup, '00-de-eval-log.py')
);

const jupyter = {
  command: 'jupyter lab --config jupyter_server_eval_config.py',
  url: `http://127.0.0.1:${process.env.EVAL_JUPYTER_PORT}/lab`,
  timeout: 180000,
  reuseExistingServer: false,
  env: { ...process.env }
};
const mock = {
  command: `python3 mock/mock_anthropic.py --port ${process.env.EVAL_MOCK_PORT}`,
  url: `http://127.0.0.1:${process.env.EVAL_MOCK_PORT}/_mock/requests`,
  timeout: 30000,
  reuseExistingServer: false
};

module.exports = {
  ...base,
  testDir: './eval',
  testMatch: '**/*.eval.ts',
  projects: [{ name: 'eval' }],
  workers: 1,
  retries: 0,
  // Per task: live runs may take minutes; replays take seconds.
  timeout: mode === 'live' ? 900000 : 180000,
  reporter: [['list']],
  use: {
    ...base.use,
    baseURL: `http://127.0.0.1:${process.env.EVAL_JUPYTER_PORT}`,
    trace: 'off'
  },
  webServer: mode === 'replay' ? [mock, jupyter] : [jupyter]
};
