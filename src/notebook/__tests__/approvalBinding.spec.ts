/** @jest-environment ./src/notebook/__tests__/jsdomWithFetch.js */
// The agent loop (real SDK stream parser) with the real notebook tools over real NotebookModels.
import './jupyterlabMocks';
import Anthropic from '@anthropic-ai/sdk';
import { ApprovalPolicy } from '../../agent/approval';
import { ChatSession } from '../../agent/chatSession';
import { ChatModel } from '../../chats/chatModel';
import { createNotebookTools } from '../tools';
import * as risk from '../../tools/risk';
import { ToolRegistry } from '../../tools/registry';
import type { ApprovalMode } from '../../tools/types';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { FakeAccess, FakeTarget, makeModel } from './fakeNotebook';
import { callsOf, waiting } from '../../__tests__/chatFixtures';

/** Approvals bound to what the card showed (issue 12, item 4) and the run-all card (item 5). */

function notebooks() {
  const a = makeModel([
    { source: 'import pandas as pd' },
    { source: 'df = pd.DataFrame({"x": [1]})' }
  ]);
  const b = makeModel([{ source: 'print("other notebook")' }]);
  const targetA = new FakeTarget(a.model, 'a.ipynb');
  const targetB = new FakeTarget(b.model, 'b.ipynb');
  const access = new FakeAccess([targetA, targetB]);
  return { a, b, targetA, targetB, access };
}

function sessionWith(
  access: FakeAccess,
  replies: IFakeReply[],
  settings: Record<string, ApprovalMode> = {}
) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0,
    dangerouslyAllowBrowser: true
  });
  const tools = createNotebookTools({ notebooks: access });
  const model = new ChatModel();
  const session = new ChatSession({
    model,
    client: () => client,
    settings: () => ({
      model: 'claude-test',
      maxTokens: 100,
      system: 'S',
      tools
    }),
    registry: new ToolRegistry(tools),
    approval: new ApprovalPolicy(() => settings),
    toolServices: () => ({ notebooks: access })
  });
  return { session, model, requests: fake.requests };
}

describe('approvals bound to what the card showed', () => {
  it('run_all_cells without notebook_path names the notebook and is refused when another one became active', async () => {
    const { access, targetA, targetB } = notebooks();
    const { session, model } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'run_all_cells', input: {} }] },
      { text: 'ok' }
    ]);
    const done = session.send('run it');
    await waiting(model);
    expect(callsOf(model)[0].preview?.summary).toBe(
      'Run all 2 code cells of the active notebook (a.ipynb)'
    );
    access.targets.reverse(); // the user switches to b.ipynb before clicking Allow
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    const call = callsOf(model)[0];
    expect(call.state).toBe('failed');
    expect(call.result?.content).toMatch(
      /^Nothing ran: the active notebook changed \(the card named a\.ipynb; b\.ipynb is active now\)/
    );
    expect(targetA.executed).toEqual([]);
    expect(targetB.executed).toEqual([]);
  });

  it('a named notebook runs even when the user looks at another one, and exactly the cells shown', async () => {
    const { access, targetA, targetB, a } = notebooks();
    const { session, model } = sessionWith(access, [
      {
        tools: [
          {
            id: 't1',
            name: 'run_all_cells',
            input: { notebook_path: 'a.ipynb' }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = session.send('run it');
    await waiting(model);
    access.targets.reverse();
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[0].state).toBe('done');
    expect(targetA.executed).toEqual(a.ids);
    expect(targetB.executed).toEqual([]);
    expect(callsOf(model)[0].result?.data?.ran).toEqual({
      notebookPath: 'a.ipynb',
      cellIds: a.ids
    });
  });

  it('run_all_cells is refused when a code cell was added after the card was shown', async () => {
    const { access, targetA, a } = notebooks();
    const { session, model } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'run_all_cells', input: {} }] },
      { text: 'ok' }
    ]);
    const done = session.send('run it');
    await waiting(model);
    a.model.sharedModel.insertCell(2, {
      cell_type: 'code',
      source: 'import shutil; shutil.rmtree("data")'
    });
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing ran: code cells were added/
    );
    expect(targetA.executed).toEqual([]);
  });

  it('run_cell is refused when the cell was edited or deleted after the card was shown', async () => {
    const { access, targetA, a } = notebooks();
    const { session, model } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'run_cell', input: { cell_id: a.ids[0] } }] },
      { tools: [{ id: 't2', name: 'run_cell', input: { cell_id: a.ids[1] } }] },
      { text: 'ok' }
    ]);
    const done = session.send('run');
    await waiting(model, 0);
    expect(callsOf(model)[0].preview?.code?.source).toBe('import pandas as pd');
    a.model.cells.get(0).sharedModel.setSource('import os; os.remove("x")');
    session.answerApproval('t1', { kind: 'allow_once' });
    await waiting(model, 1);
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing ran: cell .* was edited after the approval card was shown/
    );
    a.model.sharedModel.deleteCell(1);
    session.answerApproval('t2', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[1].result?.content).toMatch(
      /^Nothing ran: cell .* was deleted after the approval card was shown/
    );
    expect(targetA.executed).toEqual([]);
  });

  it('restart_kernel names the kernel and notebook, and is refused when the kernel was replaced or restarted', async () => {
    const { access, targetA } = notebooks();
    let kernel = 'k1#0';
    (targetA as any).kernelIdentity = () => kernel;
    const { session, model } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'restart_kernel', input: {} }] },
      { tools: [{ id: 't2', name: 'restart_kernel', input: {} }] },
      { text: 'ok' }
    ]);
    const done = session.send('restart');
    await waiting(model, 0);
    expect(callsOf(model)[0].preview?.summary).toBe(
      'Restart the kernel (python3) of the active notebook (a.ipynb)'
    );
    kernel = 'k2#0'; // the user changed the kernel
    session.answerApproval('t1', { kind: 'allow_once' });
    await waiting(model, 1);
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing ran: the kernel of a\.ipynb was restarted or replaced/
    );
    kernel = 'k2#1'; // restarted by the user
    session.answerApproval('t2', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[1].result?.content).toMatch(/restarted or replaced/);
    expect(targetA.restarts).toBe(0);
  });

  it('install_packages without notebook_path names the notebook and kernel and goes only there', async () => {
    const { access, targetA } = notebooks();
    const { session, model } = sessionWith(access, [
      {
        tools: [
          {
            id: 't1',
            name: 'install_packages',
            input: { packages: ['polars'] }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = session.send('install');
    await waiting(model);
    expect(callsOf(model)[0].preview?.summary).toBe(
      'Install polars in the python3 kernel of the active notebook (a.ipynb)'
    );
    access.targets.splice(0, 1); // a.ipynb closed: b.ipynb is active now
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing ran: the active notebook changed/
    );
    expect(targetA.executed).toEqual([]);
  });

  it('delete_cell is refused when the cell was edited after the card was shown, or another notebook became active', async () => {
    const { access, a } = notebooks();
    const { session, model } = sessionWith(access, [
      {
        tools: [{ id: 'd1', name: 'delete_cell', input: { cell_id: a.ids[0] } }]
      },
      {
        tools: [{ id: 'd2', name: 'delete_cell', input: { cell_id: a.ids[1] } }]
      },
      {
        tools: [
          {
            id: 'd3',
            name: 'delete_cell',
            input: { notebook_path: 'a.ipynb', cell_id: a.ids[1] }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = session.send('tidy up');
    await waiting(model, 0);
    expect(callsOf(model)[0].preview?.summary).toBe(
      `Delete cell ${a.ids[0]} of a.ipynb`
    );
    expect(callsOf(model)[0].preview?.diff?.before).toBe('import pandas as pd');
    a.model.cells
      .get(0)
      .sharedModel.setSource(
        'import pandas as pd\nimport polars as pl  # the user'
      );
    session.answerApproval('d1', { kind: 'allow_once' });
    await waiting(model, 1);
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing was deleted: cell .* was edited after the approval card was shown/
    );
    expect(a.model.cells.length).toBe(2);
    access.targets.reverse(); // b.ipynb active now
    session.answerApproval('d2', { kind: 'allow_once' });
    await waiting(model, 2);
    expect(callsOf(model)[1].result?.content).toMatch(
      /^Nothing was deleted: the active notebook changed/
    );
    expect(a.model.cells.length).toBe(2);
    // Named, a.ipynb is the one meant whichever notebook is active.
    expect(callsOf(model)[2].preview?.summary).toBe(
      `Delete cell ${a.ids[1]} of a.ipynb`
    );
    session.answerApproval('d3', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[2].state).toBe('done');
    expect(a.model.cells.length).toBe(1);
    expect(a.model.cells.get(0).sharedModel.getSource()).toContain('polars');
  });

  it('a call whose target cannot be resolved fails without asking', async () => {
    const access = new FakeAccess([]);
    const { session, model } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'run_all_cells', input: {} }] },
      { text: 'ok' }
    ]);
    await session.send('run');
    expect(callsOf(model)[0]).toMatchObject({ state: 'failed' });
    expect(callsOf(model)[0].result?.content).toMatch(/No notebook is active/);
  });

  it('the risk check sees the bound code: a destructive cell asks even with run_all_cells on auto', async () => {
    const { access, a } = notebooks();
    a.model.sharedModel.insertCell(2, {
      cell_type: 'code',
      source: 'from shutil import rmtree as x\nx("warehouse")'
    });
    const { session, model } = sessionWith(
      access,
      [
        { tools: [{ id: 't1', name: 'run_all_cells', input: {} }] },
        { text: 'ok' }
      ],
      {
        run_all_cells: 'auto'
      }
    );
    const done = session.send('run');
    await waiting(model);
    expect(callsOf(model)[0].approvalReason).toMatch(/rmtree/);
    session.answerApproval('t1', { kind: 'deny' });
    await done;
  });

  it('a risk check that throws while the card is built asks (fails closed)', async () => {
    const { access } = notebooks();
    const spy = jest
      .spyOn(risk, 'destructiveReasonChecked')
      .mockRejectedValue(new Error('lexer bug'));
    try {
      const { session, model } = sessionWith(
        access,
        [
          { tools: [{ id: 't1', name: 'run_all_cells', input: {} }] },
          { text: 'ok' }
        ],
        {
          run_all_cells: 'auto'
        }
      );
      const done = session.send('run');
      await waiting(model);
      expect(callsOf(model)[0].approvalReason).toMatch(
        /safety check of this call failed \(lexer bug\)/
      );
      session.answerApproval('t1', { kind: 'deny' });
      await done;
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the run-all card', () => {
  it('lists the cells the assistant changed since they last ran, with their code', async () => {
    const { access, a } = notebooks();
    const { session, model } = sessionWith(
      access,
      [
        {
          tools: [
            {
              id: 'e1',
              name: 'edit_cell',
              input: { cell_id: a.ids[0], source: 'import polars as pl' }
            },
            {
              id: 'e2',
              name: 'edit_cell',
              input: {
                cell_id: a.ids[1],
                source: 'df = pl.DataFrame({"x": [2]})'
              }
            },
            { id: 'r1', name: 'run_cell', input: { cell_id: a.ids[0] } },
            { id: 'r2', name: 'run_all_cells', input: {} }
          ]
        },
        { text: 'ok' }
      ],
      { edit_cell: 'auto', run_cell: 'auto' }
    );
    const done = session.send('switch to polars');
    await waiting(model, 3);
    const preview = callsOf(model)[3].preview!;
    expect(preview.cells?.items).toEqual([
      {
        id: a.ids[1],
        source: 'df = pl.DataFrame({"x": [2]})',
        language: 'python'
      }
    ]);
    expect(preview.cells?.title).toBe(
      '1 of them changed by the assistant since they last ran:'
    );
    session.answerApproval('r2', { kind: 'deny' });
    await done;
  });
});
