import { expect, Page, test as base } from '@playwright/test';
import { failsOn, loadTasks, MODE, runTask } from './runner';

/**
 * The evaluation's tasks (eval/tasks/*). Live: each task once against the real model.
 * Replay (CI): each task's scripted passing run and failing run through the mock; the
 * checker must pass the first and fail the second, so a checker that cannot fail is caught.
 * And a do-nothing run (the model answers "I will not do anything."), which every checker
 * must fail: a task passes only when the work it asks for was done.
 * One browser page for every task (worker-scoped), one Jupyter server (eval.config.js).
 */
const test = base.extend<{}, { shared: Page }>({
  shared: [
    async ({ browser }, use) => {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 900 }
      });
      const page = await context.newPage();
      await use(page);
      await context.close();
    },
    { scope: 'worker' }
  ]
});

for (const task of loadTasks()) {
  if (MODE === 'live') {
    test(`${task.name}: ${task.title}`, async ({ shared, request }) => {
      const row = await runTask(shared, request, task, 'live');
      test.info().annotations.push({
        type: row.passed ? 'passed' : 'failed',
        description: row.failures.join('; ')
      });
    });
  } else {
    for (const run of ['pass', 'fail', 'nothing'] as const) {
      test(`${task.name} (${run === 'nothing' ? 'do-nothing' : `${run}ing`} replay): ${task.title}`, async ({
        shared,
        request
      }) => {
        const row = await runTask(shared, request, task, run);
        if (run === 'pass') {
          expect(row.failures, 'the checker passes the passing replay').toEqual(
            []
          );
          expect(row.passed).toBe(true);
        } else if (run === 'nothing') {
          expect(
            row.error,
            'the do-nothing replay ran to its end'
          ).toBeUndefined();
          expect(
            row.passed,
            'the checker fails a model that does nothing'
          ).toBe(false);
        } else {
          expect(
            row.error,
            'the failing replay ran to its end'
          ).toBeUndefined();
          expect(row.passed, 'the checker fails the failing replay').toBe(
            false
          );
          // ...for the reason the replay was written to show, not because something else broke.
          const reason = failsOn(task);
          expect(
            reason,
            'replay/fail.json names the check it fails (failsOn)'
          ).toBeTruthy();
          expect(row.failures.join('\n')).toContain(reason);
        }
      });
    }
  }
}
