import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  openChat,
  resetMock,
  scriptMock,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * New ETL notebook from examples/data/orders.csv, end to end: the File
 * Browser's "Build a pipeline from this", the dialog, the skeleton, the
 * (scripted) model filling the transform and running each section in the
 * user's kernel, then the proof run in fresh kernels and its card.
 */
const ORDERS = path.resolve(__dirname, '../../examples/data/orders.csv');

const TRANSFORM = [
  '# Transform: net amount per order (amount minus discount), all orders.',
  'result = orders.copy()',
  'result["net_amount"] = (result["amount"] - result["discount"].fillna(0)).round(2)'
].join('\n');

const SECTIONS = [
  'parameters',
  'setup',
  'extract',
  'validate-input',
  'transform',
  'validate-output',
  'load',
  'verify',
  'report'
];

test.describe('ETL notebooks', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('from orders.csv to a proven Parquet target', async ({
    page,
    request,
    tmpPath
  }) => {
    test.setTimeout(240000);
    await page.contents.uploadFile(ORDERS, `${tmpPath}/orders.csv`);
    const notebook = `${tmpPath}/orders_etl.ipynb`;
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_fill',
          name: 'edit_cell',
          input: {
            notebook_path: notebook,
            cell_id: 'etl-transform',
            source: TRANSFORM
          }
        },
        ...SECTIONS.map(section => ({
          id: `toolu_run_${section}`,
          name: 'run_cell',
          input: { notebook_path: notebook, cell_id: `etl-${section}` }
        }))
      ),
      toolCalls({
        id: 'toolu_prove',
        name: 'prove_etl_notebook',
        input: { notebook_path: notebook }
      }),
      {
        blocks: [
          {
            type: 'text',
            text: 'The pipeline is proven: two runs, same checksum.'
          }
        ]
      }
    ]);
    await openChat(page);

    // File Browser → context menu on the CSV → "Build a Pipeline from This…"
    await page.filebrowser.openDirectory(tmpPath);
    await page
      .locator('.jp-DirListing-item', { hasText: 'orders.csv' })
      .click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Build a Pipeline from This…' })
      .click();

    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
      'New ETL notebook'
    );
    await expect(dialog.locator('textarea[name="sources"]')).toHaveValue(
      `${tmpPath}/orders.csv`
    );
    await expect(dialog.locator('input[name="keyColumns"]')).toHaveValue(
      'order_id'
    );
    await expect(dialog.locator('input[name="targetPath"]')).toHaveValue(
      'output/orders'
    );
    await dialog.locator('select[name="engine"]').selectOption('pandas');
    await dialog
      .locator('textarea[name="businessRules"]')
      .fill('net_amount = amount - discount (a missing discount is 0)');
    await dialog.getByRole('button', { name: 'Create' }).click();

    // The skeleton is there, opened, with its sections and the tagged parameters cell.
    await expect(
      page.locator('.jp-NotebookPanel:visible .jp-Cell')
    ).toHaveCount(10, { timeout: 30000 });
    const saved = await page.contents.getContentMetadata(notebook);
    expect(saved).toBeTruthy();

    // The model's first reply: fill the transform, run each section (approved once for the chat).
    await expect(
      page.locator('.jp-DataEngineer-toolCard[data-tool="edit_cell"]')
    ).toHaveAttribute('data-state', 'done', { timeout: 30000 });
    const run = page
      .locator('.jp-DataEngineer-toolCard[data-tool="run_cell"]')
      .first();
    await expect(run).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await run.locator('.jp-DataEngineer-allowChat').click();
    // The load swaps the staged output in (os.replace) and cleans up (shutil.rmtree): the risk check asks even inside the chat grant.
    const load = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="run_cell"][data-state="waiting_approval"]'
    );
    await expect(load.locator('.jp-DataEngineer-approvalReason')).toContainText(
      'looks destructive',
      { timeout: 120000 }
    );
    await load.locator('.jp-DataEngineer-allowOnce').click();
    await expect(
      page.locator(
        '.jp-DataEngineer-toolCard[data-tool="run_cell"][data-state="done"]'
      )
    ).toHaveCount(SECTIONS.length, {
      timeout: 120000
    });

    const proof = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="prove_etl_notebook"]'
    );
    await expect(proof).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await proof.locator('.jp-DataEngineer-allowOnce').click();
    const card = proof.locator('.jp-DataEngineer-etlProof');
    await expect(card.locator('.jp-DataEngineer-etlProofHeadline')).toHaveText(
      '2 runs, idempotent',
      { timeout: 120000 }
    );
    await expect(card).toContainText('rows in orders 501');
    await expect(card).toContainText('rejected 1');
    await expect(card).toContainText('target 500 rows');
    await expect(card.locator('.jp-DataEngineer-etlHandoff')).toBeVisible();

    // What the model read: the request with the schemas and the work rules, then the proof result.
    const recorded = await waitForMessageRequests(request, 3);
    const first = JSON.stringify(recorded[0].body.messages[0]);
    expect(first).toContain('order_id: int not null');
    expect(first).toContain('At most 3 fix attempts per cell');
    expect(toolResult(recorded[2], 'toolu_prove').text).toContain(
      '2 runs, idempotent'
    );

    // The report cell shows the proof; the target exists with the expected rows.
    const report = page
      .locator('.jp-NotebookPanel:visible .jp-CodeCell')
      .last()
      .locator('.jp-OutputArea-output[data-mime-type="text/markdown"]');
    await expect(report).toContainText('Proof run: 2 runs, idempotent');
    expect(
      await page.contents.fileExists(`${tmpPath}/output/orders/data.parquet`)
    ).toBe(true);
    // Its row count is the one the proof card showed (read from the target by the notebook's verify cell).

    // Hand off: the Deployment Engineer continues in the same chat.
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'I will schedule it.' }] }
    ]);
    await card.locator('.jp-DataEngineer-etlHandoff').click();
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('I will schedule it.', { timeout: 30000 });
    const handoff = await waitForMessageRequests(request, 4);
    expect(JSON.stringify(handoff[3].body.messages)).toContain(
      `Schedule ${notebook}`
    );
  });
});
