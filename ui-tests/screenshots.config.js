/**
 * README screenshots (`npm run screenshots`): the same servers as the UI
 * tests, one script (screenshots/readme.shots.ts: not a test the suite runs) that drives the chat through demo mode and scripted
 * replies and writes docs/screenshots/*.png (light theme, 1440×900).
 */
const base = require('./playwright.config');

module.exports = {
  ...base,
  testDir: './screenshots',
  testMatch: '**/*.shots.ts',
  retries: 0,
  use: { ...base.use, viewport: { width: 1440, height: 900 } }
};
