import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { expectButtonLabelsWhole, expectButtonsInside } from './headerLayout';
import {
  holdRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  setSidebarWidth,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * The ETL proof run's approval card (issue 26, item 5): it lists every cell
 * that will run (the assistant's edit marked) and the parameters, and binds
 * to them: a cell changed after the card was built refuses the run. Then a
 * real proof (two fresh kernels) and its card at 250 px (issue 32, item 2).
 */

const REPORT = [
  'from IPython.display import display',
  'display({"application/json": {"target_checksum": "c-" + run_date, "target_rows": rows}}, raw=True)'
].join('\n');

function notebookJson(): string {
  const cell = (id: string, source: string, tags: string[] = []) => ({
    id,
    cell_type: 'code',
    execution_count: null,
    metadata: { tags },
    outputs: [],
    source
  });
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      language_info: { name: 'python' }
    },
    cells: [
      cell('etl-parameters', 'run_date = "2026-12-01"', ['parameters']),
      cell('etl-transform', 'rows = 3'),
      cell('etl-report', REPORT)
    ]
  });
}

/** Set a cell's text in the open notebook's model (as a collaborator or the user would). */
async function setSource(page: Page, index: number, text: string) {
  await page.evaluate(
    ([i, source]) => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      panel.content.model.cells.get(i).sharedModel.setSource(source);
    },
    [index, text] as const
  );
}

test('the proof card lists every cell and the parameters; an edit after the card refuses the run; the proven card fits 250 px', async ({
  page,
  request,
  tmpPath
}) => {
  test.setTimeout(240000);
  await resetMock(request);
  await holdRequests(request, 90000);
  const notebook = `${tmpPath}/proof_me.ipynb`;
  await page.contents.uploadContent(notebookJson(), 'text', notebook);
  await page.notebook.openByPath(notebook);
  await page.notebook.activate('proof_me.ipynb');
  await scriptMock(request, [
    toolCalls(
      {
        id: 'toolu_edit',
        name: 'edit_cell',
        input: {
          notebook_path: notebook,
          cell_id: 'etl-transform',
          source: 'rows = 4'
        }
      },
      {
        id: 'toolu_prove',
        name: 'prove_etl_notebook',
        input: {
          notebook_path: notebook,
          parameters: { run_date: '2026-12-02' }
        }
      }
    )
  ]);
  await openChat(page);
  await sendMessage(page, 'Prove the pipeline for 2 December');

  const first = page
    .locator('.jp-DataEngineer-toolCard[data-tool="prove_etl_notebook"]')
    .first();
  await expect(first).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await expect(first.locator('.jp-DataEngineer-toolSummary')).toContainText(
    `Prove ${notebook}: run its 3 code cells`
  );
  // Every cell that will run, in order, the injected parameters after the parameters cell.
  const cells = first.locator('.jp-DataEngineer-boundCell');
  await expect(cells).toHaveCount(4);
  expect(
    await cells.evaluateAll(els => els.map(e => e.getAttribute('data-cell-id')))
  ).toEqual([
    'etl-parameters',
    'injected-parameters',
    'etl-transform',
    'etl-report'
  ]);
  await expect(
    first.locator('.jp-DataEngineer-boundCell[data-cell-id="etl-transform"]')
  ).toHaveAttribute('data-note', 'edited by the assistant, not run since');
  await expect(
    first.locator(
      '.jp-DataEngineer-boundCell[data-cell-id="etl-transform"] code'
    )
  ).toHaveText('rows = 4');
  await expect(
    first.locator(
      '.jp-DataEngineer-boundCell[data-cell-id="injected-parameters"] code'
    )
  ).toContainText('run_date = "2026-12-02"');
  await expect(first.locator('.jp-DataEngineer-callDetails')).toContainText(
    'Parametersrun_date = "2026-12-02"'
  );
  await expect(first.locator('.jp-DataEngineer-callDetails')).toContainText(
    /Approval bound tosha256 [0-9a-f]{16}/
  );

  // The notebook changes after the card was built: Allow refuses, nothing runs.
  await setSource(page, 0, 'run_date = "1999-01-01"');
  await first.locator('.jp-DataEngineer-allowOnce').click();
  await expect(first).toHaveAttribute('data-state', 'failed', {
    timeout: 30000
  });
  let recorded = await waitForMessageRequests(request, 2);
  const refused = toolResult(recorded[1], 'toolu_prove');
  expect(refused.isError).toBe(true);
  expect(refused.text).toBe(
    `Nothing ran: ${notebook} changed (cell etl-parameters edited) after the approval card was shown. Call prove_etl_notebook again so the user can approve what is there now.`
  );
  await expect(first.locator('.jp-DataEngineer-etlProof')).toHaveCount(0);

  // Asked again, approved as shown: two real runs in fresh kernels.
  await scriptMock(request, [
    toolCalls({
      id: 'toolu_prove_again',
      name: 'prove_etl_notebook',
      input: { notebook_path: notebook, parameters: { run_date: '2026-12-02' } }
    })
  ]);
  const second = page
    .locator('.jp-DataEngineer-toolCard[data-tool="prove_etl_notebook"]')
    .nth(1);
  await expect(second).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await expect(
    second.locator(
      '.jp-DataEngineer-boundCell[data-cell-id="etl-parameters"] code'
    )
  ).toHaveText('run_date = "1999-01-01"');
  await second.locator('.jp-DataEngineer-allowOnce').click();
  const card = second.locator('.jp-DataEngineer-etlProof');
  await expect(card.locator('.jp-DataEngineer-etlProofHeadline')).toHaveText(
    '2 runs, idempotent',
    { timeout: 150000 }
  );
  // The parameters given won over the cell's: the report's checksum says so.
  recorded = await waitForMessageRequests(request, 3);
  expect(toolResult(recorded[2], 'toolu_prove_again').text).toContain(
    '"target_checksum":"c-2026-12-02"'
  );
  await scriptMock(request, [
    { blocks: [{ type: 'text', text: 'Proven: two runs, same checksum.' }] }
  ]);
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText(
    'Proven',
    { timeout: 30000 }
  );

  // At 250 px the proof card keeps its hand-off button inside the panel.
  await setSidebarWidth(page, 250);
  await expect(card.locator('.jp-DataEngineer-etlHandoff')).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await expectButtonsInside(page, 'the ETL proof card');
  await expectButtonLabelsWhole(
    page,
    'the ETL proof card',
    '.jp-DataEngineer-etlProof'
  );
  await page
    .locator('.jp-DataEngineer-shell')
    .screenshot({ path: test.info().outputPath('proof-card-250.png') });
});
