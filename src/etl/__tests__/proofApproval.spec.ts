/** @jest-environment ./src/notebook/__tests__/jsdomWithFetch.js */
// The agent loop (real SDK stream parser) with the real notebook tools and the real proof tool over real
// NotebookModels; only the proof's kernels are a stand-in (they record what they were asked to run).
import '../../notebook/__tests__/jupyterlabMocks';
import Anthropic from '@anthropic-ai/sdk';
import { ApprovalPolicy } from '../../agent/approval';
import { ChatSession } from '../../agent/chatSession';
import { ChatModel } from '../../chats/chatModel';
import { createNotebookTools } from '../../notebook/tools';
import { ToolRegistry } from '../../tools/registry';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import {
  FakeAccess,
  FakeTarget,
  makeModel
} from '../../notebook/__tests__/fakeNotebook';
import { callsOf, waiting } from '../../__tests__/chatFixtures';
import {
  createEtlTools,
  ETL_PROOF_SERVICE,
  EtlProofService,
  IProofKernelHost
} from '../tools';

/** Issue 26 item 5: the proof run's card shows what runs, and the run is bound to it. */

const REPORT =
  'from IPython.display import display\ndisplay({"application/json": {"target_checksum": "c1", "target_rows": 3}}, raw=True)';

/** Proof kernels that record every run: the folder, and the code of each cell. */
function recordingHost() {
  const runs: Array<{ folder: string; code: string[] }> = [];
  const host: IProofKernelHost = {
    async start(_name, folder) {
      const run = { folder, code: [] as string[] };
      runs.push(run);
      return {
        async execute(code) {
          run.code.push(code);
          return {
            status: 'ok',
            outputs: code.includes('target_checksum')
              ? [
                  {
                    output_type: 'display_data',
                    data: {
                      'application/json': {
                        target_checksum: 'c1',
                        target_rows: 3
                      }
                    }
                  }
                ]
              : []
          };
        },
        async shutdown() {}
      };
    }
  };
  return { host, runs };
}

function etlNotebook(path: string, load = 'df.to_parquet("out/t.parquet")') {
  const nb = makeModel([
    { source: 'run_date = "2026-12-01"' },
    { source: 'df = load(run_date)' },
    { source: load },
    { source: REPORT }
  ]);
  nb.model.sharedModel.cells[0].setMetadata('tags', ['parameters']);
  return { ...nb, target: new FakeTarget(nb.model, path) };
}

function sessionWith(access: FakeAccess, replies: IFakeReply[]) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0,
    dangerouslyAllowBrowser: true
  });
  const tools = [
    ...createNotebookTools({ notebooks: access }),
    ...createEtlTools()
  ];
  const proof = recordingHost();
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
    approval: new ApprovalPolicy(() => ({})),
    toolServices: () => ({
      notebooks: access,
      [ETL_PROOF_SERVICE]: new EtlProofService(proof.host)
    })
  });
  return { session, model, runs: proof.runs };
}

const SNEAKY =
  'import shutil\nshutil.rmtree("/home/alice")\ndf = load(run_date)';

describe('prove_etl_notebook: the card shows what runs, and the run is bound to it', () => {
  it('lists every cell that will run with the assistant’s edit marked, the parameters and the risk', async () => {
    const a = etlNotebook('pipelines/a.ipynb');
    const access = new FakeAccess([a.target]);
    const { session, model } = sessionWith(access, [
      {
        tools: [
          {
            id: 't1',
            name: 'edit_cell',
            input: {
              notebook_path: 'pipelines/a.ipynb',
              cell_id: a.ids[1],
              source: SNEAKY
            }
          },
          {
            id: 't2',
            name: 'prove_etl_notebook',
            input: {
              notebook_path: 'pipelines/a.ipynb',
              parameters: { run_date: '2026-12-02' }
            }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = session.send('prove it');
    await waiting(model, 1);
    const card = callsOf(model)[1];
    expect(card.preview?.summary).toBe(
      'Prove pipelines/a.ipynb: run its 4 code cells top to bottom twice, each time in a fresh python3 kernel'
    );
    const items = card.preview!.cells!.items;
    expect(items.map(c => c.id)).toEqual([
      a.ids[0],
      'injected-parameters',
      a.ids[1],
      a.ids[2],
      a.ids[3]
    ]);
    expect(items[1].source).toContain('run_date = "2026-12-02"');
    expect(items[2].source).toBe(SNEAKY);
    expect(items[2].note).toBe('edited by the assistant, not run since');
    expect(items[3].note).toBeUndefined();
    expect(card.preview!.details).toEqual([
      { name: 'Parameters', value: 'run_date = "2026-12-02"' },
      {
        name: 'Approval bound to',
        value: expect.stringMatching(/^sha256 [0-9a-f]{16}$/)
      }
    ]);
    // The risk check read the edited cell.
    expect(card.approvalReason).toMatch(/^cell [\w-]+: .*rmtree/);
    session.answerApproval('t2', { kind: 'deny' });
    await done;
  });

  it('refuses the run when a cell changed after the card was built: nothing runs', async () => {
    const a = etlNotebook('pipelines/a.ipynb');
    const access = new FakeAccess([a.target]);
    const { session, model, runs } = sessionWith(access, [
      {
        tools: [
          {
            id: 't1',
            name: 'prove_etl_notebook',
            input: { notebook_path: 'pipelines/a.ipynb' }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = session.send('prove it');
    await waiting(model);
    // After the card was shown: the code changes (the assistant, a collaborator, the user).
    a.model.sharedModel.cells[2].setSource('import os\nos.system("curl evil")');
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    const call = callsOf(model)[0];
    expect(call.state).toBe('failed');
    expect(call.result?.content).toBe(
      `Nothing ran: pipelines/a.ipynb changed (cell ${a.ids[2]} edited) after the approval card was shown. Call prove_etl_notebook again so the user can approve what is there now.`
    );
    expect(runs).toEqual([]);
  });

  it('refuses the run when the parameters cell changed after the card was built', async () => {
    const a = etlNotebook('pipelines/a.ipynb');
    const access = new FakeAccess([a.target]);
    const { session, model, runs } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'prove_etl_notebook', input: {} }] },
      { text: 'ok' }
    ]);
    const done = session.send('prove it');
    await waiting(model);
    a.model.sharedModel.cells[0].setSource('run_date = "1970-01-01"');
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    expect(callsOf(model)[0].result?.content).toMatch(
      /^Nothing ran: pipelines\/a\.ipynb changed \(cell [\w-]+ edited\)/
    );
    expect(runs).toEqual([]);
  });

  it('proves the notebook the card showed, not the tab that is active when Allow is clicked', async () => {
    const a = etlNotebook('pipelines/a.ipynb');
    const b = etlNotebook('other/b.ipynb', 'print("b")');
    const access = new FakeAccess([a.target, b.target]);
    const { session, model, runs } = sessionWith(access, [
      { tools: [{ id: 't1', name: 'prove_etl_notebook', input: {} }] },
      { text: 'ok' }
    ]);
    const done = session.send('prove it');
    await waiting(model);
    expect(callsOf(model)[0].preview?.summary).toContain(
      'the active notebook (pipelines/a.ipynb)'
    );
    access.targets.reverse(); // the user switches to b.ipynb before clicking Allow
    session.answerApproval('t1', { kind: 'allow_once' });
    await done;
    const call = callsOf(model)[0];
    expect(call.state).toBe('done');
    expect(call.result?.data?.etlProof?.notebookPath).toBe('pipelines/a.ipynb');
    expect(runs.map(r => r.folder)).toEqual(['pipelines', 'pipelines']);
    // Exactly the code shown (a's load cell, never b's).
    expect(runs[0].code).toEqual(
      a.model.sharedModel.cells.map(c => c.getSource())
    );
  });

  it('a call that cannot run fails before any card (bad parameter name)', async () => {
    const a = etlNotebook('pipelines/a.ipynb');
    const access = new FakeAccess([a.target]);
    const { session, model, runs } = sessionWith(access, [
      {
        tools: [
          {
            id: 't1',
            name: 'prove_etl_notebook',
            input: { parameters: { 'x; import os': 1 } }
          }
        ]
      },
      { text: 'ok' }
    ]);
    await session.send('prove it');
    const call = callsOf(model)[0];
    expect(call.state).toBe('failed');
    expect(call.result?.content).toContain('not a parameter name');
    expect(runs).toEqual([]);
  });
});
