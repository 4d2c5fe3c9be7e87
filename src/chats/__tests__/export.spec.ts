/** @jest-environment node */
import { spawnSync } from 'child_process';
import type { IAssistantTurn, IToolCall, IUserTurn } from '../conversation';
import type { ISavedChat } from '../store';
import {
  chatToMarkdown as toMarkdown,
  chatToNotebook as toNotebook,
  exportFileName,
  IExportOptions,
  INotebookCell
} from '../export';
import { allTools } from '../../__tests__/allTools';
import { createMcpTool } from '../../mcp/tools';
import { untranslated } from '../../translation';
import { ToolRegistry } from '../../tools/registry';
import { fenceFor } from '../../markdown/markdown';
import { createKernelTools } from '../../kernel/tools';
import { createEnv } from '../../notebook/tools/common';
import { editCellTool, insertCellTool } from '../../notebook/tools/editTools';
import { runCellTool } from '../../notebook/tools/runTools';
import type { ITool, IToolContext } from '../../tools/types';

// Every call described by its tool, as the app exports (the registry of every tool family, and an MCP tool).
const mcpTool = createMcpTool(
  'mcp__db__query',
  {
    name: 'db',
    source: 'admin',
    file: null,
    type: 'stdio',
    command: 'x',
    args: [],
    trusted: true,
    inputIds: [],
    status: 'running'
  } as any,
  {
    name: 'query',
    title: 'Run a query',
    inputSchema: { type: 'object', properties: {} }
  } as any,
  {
    settings: () => ({ approvals: {}, workspaceServers: true }),
    call: async () => ({}) as any,
    reportFailure: () => undefined
  },
  untranslated
);
const registry = new ToolRegistry([...allTools(), mcpTool]);
const DESCRIBED: IExportOptions = {
  describe: registry.describe.bind(registry),
  inputMarkdown: registry.inputMarkdown.bind(registry)
};
const chatToMarkdown = (
  chat: Parameters<typeof toMarkdown>[0],
  options: IExportOptions = {}
) => toMarkdown(chat, { ...DESCRIBED, ...options });
const chatToNotebook = (
  chat: Parameters<typeof toNotebook>[0],
  options: IExportOptions = {}
) => toNotebook(chat, { ...DESCRIBED, ...options });

// ---------------------------------------------------------------------------
// A minimal notebook (plain objects: the node environment has no DOM) that the
// real notebook and kernel tools run against, so the chat holds their real
// result formats.

type Output = Record<string, unknown>;

class FakeCell {
  constructor(
    readonly id: string,
    readonly type: 'code' | 'markdown',
    private _source: string
  ) {}
  outputList: Output[] = [];
  executionCount: number | null = null;
  readonly sharedModel = {
    getSource: () => this._source,
    setSource: (source: string) => {
      this._source = source;
    }
  };
  readonly outputs = { toJSON: () => this.outputList };
  getMetadata(): undefined {
    return undefined;
  }
}

class FakeModel {
  list: FakeCell[] = [];
  readonly cells = {
    get: (i: number) => this.list[i],
    get length() {
      return 0;
    }
  };
  constructor() {
    Object.defineProperty(this.cells, 'length', {
      get: () => this.list.length
    });
  }
  readonly sharedModel = {
    insertCell: (
      index: number,
      cell: { cell_type: 'code' | 'markdown'; source: string }
    ) => {
      const id = `c0ffee${String(this.list.length + 1).padStart(2, '0')}-77aa-4b1c-9d2e-5f60718293a4`;
      this.list.splice(index, 0, new FakeCell(id, cell.cell_type, cell.source));
      return { getId: () => id };
    }
  };
  getMetadata(): undefined {
    return undefined;
  }
}

/** What running a cell does: set outputs, return the status. */
type Script = (source: string) => {
  outputs: Output[];
  status?: 'ok' | 'error';
};

class FakeTarget {
  readonly path = 'etl/orders.ipynb';
  readonly model = new FakeModel();
  script: Script = () => ({ outputs: [] });
  kernelConn: any = null;
  private _count = 0;
  kernel() {
    return { name: 'python3', language: 'python', status: 'idle' };
  }
  activeCellId() {
    return null;
  }
  reveal() {
    return undefined;
  }
  runBlocker() {
    return null;
  }
  async executeCell(cellId: string) {
    const cell = this.model.list.find(c => c.id === cellId)!;
    const { outputs, status } = this.script(cell.sharedModel.getSource());
    cell.outputList = outputs;
    cell.executionCount = ++this._count;
    return (
      status ?? (outputs.some(o => o.output_type === 'error') ? 'error' : 'ok')
    );
  }
  async interrupt() {
    return undefined;
  }
  async restart() {
    return undefined;
  }
  kernelConnection() {
    return this.kernelConn;
  }
}

/** A kernel for run_scratch: each execute request replies with scripted iopub messages. */
function fakeKernel(script: (code: string) => Output[]) {
  return {
    id: 'k1',
    status: 'idle',
    isDisposed: false,
    info: Promise.resolve({}),
    requestExecute(content: { code: string }) {
      const future: any = { onIOPub: null };
      future.done = new Promise(resolve =>
        setTimeout(() => {
          for (const output of script(content.code)) {
            const { output_type, ...rest } = output;
            future.onIOPub?.({
              header: { msg_type: output_type },
              content: rest
            });
          }
          resolve({ content: { status: 'ok' } });
        }, 0)
      );
      return future;
    }
  };
}

function harness() {
  const target = new FakeTarget();
  const access = {
    resolve: async () => target,
    peek: () => target,
    list: () => [],
    create: async () => target
  };
  const env = createEnv(access as any);
  const tools = new Map<string, ITool>(
    [
      insertCellTool(env),
      editCellTool(env),
      runCellTool(env),
      ...createKernelTools()
    ].map(t => [t.name, t])
  );
  const context: IToolContext = {
    signal: new AbortController().signal,
    services: { notebooks: access }
  };
  let n = 0;
  /** Run a real tool as the chat session does, and return the call as the chat saves it. */
  const call = async (
    name: string,
    input: Record<string, unknown>,
    withPreview = false
  ): Promise<IToolCall> => {
    const tool = tools.get(name)!;
    const result = await tool.run(input, context);
    n += 1;
    return {
      id: `toolu_${n}`,
      name,
      input,
      state: result.isError ? 'failed' : 'done',
      result,
      allowedBy: 'auto',
      durationMs: 120 * n,
      ...(withPreview && tool.preview
        ? { preview: await tool.preview(input, context) }
        : {})
    };
  };
  return { target, call };
}

// ---------------------------------------------------------------------------
// Chat fixtures.

const T0 = Date.UTC(2024, 4, 1, 14, 3);
const stream = (text: string, name = 'stdout') => ({
  output_type: 'stream',
  name,
  text
});
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let uid = 0;
function user(text: string, attachments?: IUserTurn['attachments']): IUserTurn {
  uid += 1;
  return {
    id: `u-${uid}`,
    role: 'user',
    text,
    createdAt: T0 + uid * 1000,
    ...(attachments ? { attachments } : {})
  };
}
function assistant(...blocks: Array<string | IToolCall>): IAssistantTurn {
  uid += 1;
  const list: IAssistantTurn['blocks'] = blocks.map(b =>
    typeof b === 'string'
      ? { type: 'text', text: b }
      : { type: 'tool', call: b }
  );
  return {
    id: `a-${uid}`,
    role: 'assistant',
    blocks: list,
    text: list
      .filter(b => b.type === 'text')
      .map(b => (b as any).text)
      .join('\n\n'),
    status: 'done',
    createdAt: T0 + uid * 1000,
    model: 'claude-sonnet-4-5'
  };
}
function chatOf(
  turns: unknown[],
  title = 'Load the orders CSV into DuckDB'
): ISavedChat {
  return {
    version: 1,
    id: 'chat-20240501-abc',
    title,
    createdAt: T0,
    updatedAt: T0 + 3_600_000,
    personaId: 'senior-data-engineer',
    chatModel: null,
    grants: [],
    turns: turns as ISavedChat['turns']
  };
}

const IPYTHON_TRACEBACK = [
  '\u001b[0;31m---------------------------------------------------------------------------\u001b[0m',
  '\u001b[0;31mKeyError\u001b[0m                                  Traceback (most recent call last)',
  "Cell \u001b[0;32mIn[2], line 2\u001b[0m\n\u001b[1;32m      1\u001b[0m orders \u001b[38;5;241m=\u001b[39m pd\u001b[38;5;241m.\u001b[39mread_csv(\u001b[38;5;124m'\u001b[39m\u001b[38;5;124morders.csv\u001b[39m\u001b[38;5;124m'\u001b[39m)\n\u001b[0;32m----> 2\u001b[0m orders[\u001b[38;5;124m'\u001b[39m\u001b[38;5;124mamount\u001b[39m\u001b[38;5;124m'\u001b[39m]\n",
  "\u001b[0;31mKeyError\u001b[0m: 'amount'"
];

/** The full story: insert + run, edit + failing run, a plot, scratch code, a denied call, a recap. */
async function realisticChat() {
  const { target, call } = harness();
  target.script = source => {
    if (source.includes("orders['amount']")) {
      return {
        outputs: [
          stream('reading orders.csv\n'),
          {
            output_type: 'error',
            ename: 'KeyError',
            evalue: "'amount'",
            traceback: IPYTHON_TRACEBACK
          }
        ]
      };
    }
    if (source.includes('plot')) {
      return {
        outputs: [
          {
            output_type: 'display_data',
            data: {
              'image/png': PNG,
              'text/plain': '<Figure size 640x480 with 1 Axes>'
            },
            metadata: {}
          }
        ]
      };
    }
    return {
      outputs: [
        stream('1000 rows\n'),
        stream('DtypeWarning: mixed types\n', 'stderr')
      ]
    };
  };
  target.kernelConn = fakeKernel(code =>
    code.includes('1/0')
      ? [
          {
            output_type: 'error',
            ename: 'ZeroDivisionError',
            evalue: 'division by zero',
            traceback: ['ZeroDivisionError: division by zero']
          }
        ]
      : [
          {
            output_type: 'execute_result',
            data: { 'text/plain': "['order_id', 'total']" },
            metadata: {},
            execution_count: null
          }
        ]
  );

  const insert = await call('insert_cell', {
    source:
      "import pandas as pd\norders = pd.read_csv('orders.csv')\nprint(len(orders), 'rows')"
  });
  const cellId = /cell (\S+) at/.exec(insert.result!.content as string)![1];
  const run1 = await call('run_cell', { cell_id: cellId });
  const edit = await call('edit_cell', {
    cell_id: cellId,
    source: "orders = pd.read_csv('orders.csv')\norders['amount']"
  });
  const run2 = await call('run_cell', { cell_id: cellId });
  const scratch = await call('run_scratch', { code: 'list(orders.columns)' });
  const scratchError = await call('run_scratch', { code: '1/0' });
  const insertPlot = await call('insert_cell', {
    source: "orders['total'].plot.hist()"
  });
  const plotId = /cell (\S+) at/.exec(insertPlot.result!.content as string)![1];
  const runPlot = await call('run_cell', { cell_id: plotId });
  const denied: IToolCall = {
    id: 'toolu_denied',
    name: 'run_scratch',
    input: { code: "con.execute('DROP TABLE staging')" },
    state: 'denied',
    denyReason: 'keep staging for now'
  };
  const listVars: IToolCall = {
    id: 'toolu_vars',
    name: 'list_variables',
    input: {},
    state: 'done',
    result: {
      content:
        '{"variables":[{"name":"orders","kind":"pandas.DataFrame","shape":[1000,2]}]}'
    }
  };

  const turns = [
    {
      id: 'r-1',
      role: 'recap',
      text: 'We set up a DuckDB file `warehouse.duckdb`.',
      status: 'done',
      createdAt: T0,
      summarizedTurns: 4
    },
    { id: 'x-1', role: 'system-note', createdAt: T0 }, // unknown and textless: ignored
    user('Load `orders.csv` and check the **amount** column.', [
      { label: '@orders.csv', text: 'order_id,total\n1,9.5' }
    ]),
    assistant("I'll load it first.", insert, run1),
    assistant('It loaded. Now the amount column:', edit, run2),
    assistant(
      'There is no `amount` column; the columns are:',
      scratch,
      scratchError,
      listVars
    ),
    assistant(
      'Use `total` instead. You could also write it as SQL:\n\n```sql\nSELECT sum(total) FROM orders\n```',
      insertPlot,
      runPlot,
      denied
    ),
    user('thanks')
  ];
  return { chat: chatOf(turns), cellId, plotId };
}

// ---------------------------------------------------------------------------
// The real nbformat validator.

// nbformat's own validator, on a list of notebooks (one Python start-up: importing it takes seconds).
const VALIDATE =
  'import json,sys,nbformat\n' +
  'for text in json.load(sys.stdin):\n' +
  '    nbformat.validate(nbformat.reads(text, as_version=4))';

function validate(...notebooks: unknown[]): {
  status: number | null;
  stderr: string;
} {
  const input = JSON.stringify(notebooks.map(nb => JSON.stringify(nb)));
  const run = spawnSync('python3', ['-c', VALIDATE], {
    input,
    encoding: 'utf8',
    timeout: 120_000
  });
  return { status: run.status, stderr: String(run.stderr ?? '') };
}

/** Notebooks the tests produced, validated together at the end. */
const produced: Array<{ name: string; notebook: unknown }> = [];

function expectValid(notebook: unknown): void {
  produced.push({ name: expect.getState().currentTestName ?? '?', notebook });
}

const codeCells = (cells: INotebookCell[]) =>
  cells.filter(c => c.cell_type === 'code');
const markdownText = (cells: INotebookCell[]) =>
  cells
    .filter(c => c.cell_type === 'markdown')
    .map(c => c.source)
    .join('\n\n');

// ---------------------------------------------------------------------------

describe('chatToMarkdown', () => {
  it('has the title, dates, persona and model, then the turns as sections', async () => {
    const { chat } = await realisticChat();
    const md = chatToMarkdown(chat, {
      personaName: id =>
        id === 'senior-data-engineer' ? 'Senior Data Engineer' : id
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('# Load the orders CSV into DuckDB');
    expect(md).toContain(
      '*Started 2024-05-01 14:03 UTC · last message 2024-05-01 15:03 UTC*'
    );
    expect(md).toContain(
      '**Persona:** Senior Data Engineer · **Model:** claude-sonnet-4-5'
    );
    expect(md.match(/^## User$/gm)).toHaveLength(2);
    // Consecutive replies of one answer share one heading.
    expect(md.match(/^## Assistant$/gm)).toHaveLength(1);
    expect(md).toContain('Load `orders.csv` and check the **amount** column.');
    expect(md).toContain('*Attached: @orders.csv*');
    expect(md).not.toContain('order_id,total\n1,9.5'); // the attachment is named, not pasted
    // Assistant Markdown stays as it is.
    expect(md).toContain('```sql\nSELECT sum(total) FROM orders\n```');
    expect(md.indexOf('## User')).toBeLessThan(md.indexOf('## Assistant'));
    expect(md.endsWith('\n')).toBe(true);
  });

  it('shows tool calls as <details> with the code fenced in its language and the result', async () => {
    const { chat, cellId } = await realisticChat();
    const md = chatToMarkdown(chat);
    const details = md
      .split('<details>')
      .slice(1)
      .map(part => part.split('</details>')[0]);
    expect(details).toHaveLength(10);
    const scratch = details.find(d => d.includes('list(orders.columns)'))!;
    expect(scratch).toContain('<summary>Tool <code>run_scratch</code>');
    expect(scratch).toContain('```python\nlist(orders.columns)\n```');
    expect(scratch).toContain("Output:\n['order_id', 'total']");
    // run_cell shows the source the chat gave the cell (from edit_cell).
    const run2 = details.find(
      d =>
        d.includes(`<code>run_cell</code> — Run cell ${cellId}`) &&
        d.includes('KeyError')
    )!;
    expect(run2).toContain(
      "```python\norders = pd.read_csv('orders.csv')\norders['amount']\n```"
    );
    expect(run2).toContain('Result (error):');
    expect(run2).toContain('failed');
    const plot = details.find(d => d.includes('image/png image 1 attached'))!;
    expect(plot).toContain('*(1 image not included)*');
    expect(md).not.toContain(PNG);
    const vars = details.find(d => d.includes('list_variables'))!;
    expect(vars).not.toContain('```json'); // no input to show
    const edit = details.find(d => d.includes('<code>edit_cell</code>'))!;
    expect(edit).toContain(
      "```python\norders = pd.read_csv('orders.csv')\norders['amount']\n```"
    );
  });

  it('says when a call was denied or cancelled', async () => {
    const { chat } = await realisticChat();
    const md = chatToMarkdown(chat);
    expect(md).toContain(
      '<summary>Tool <code>run_scratch</code> — Run scratch code in the kernel (denied by the user: keep staging for now)</summary>'
    );
    expect(md).toContain('Denied by the user: keep staging for now');
    expect(md).toContain("```python\ncon.execute('DROP TABLE staging')\n```");

    const cancelled = chatOf([
      user('go'),
      assistant({
        id: 't1',
        name: 'run_scratch',
        input: { code: 'import time; time.sleep(99)' },
        state: 'cancelled'
      })
    ]);
    const text = chatToMarkdown(cancelled);
    expect(text).toContain(
      '<summary>Tool <code>run_scratch</code> — Run scratch code in the kernel (cancelled)</summary>'
    );
    expect(text).toContain('Cancelled before it finished.');
  });

  it('renders a recap as a note and ignores unknown turns', async () => {
    const { chat } = await realisticChat();
    const md = chatToMarkdown(chat);
    expect(md).toContain(
      '> **Summary of the earlier conversation**\n>\n> We set up a DuckDB file `warehouse.duckdb`.'
    );
    expect(md).not.toContain('system-note');
    expect(md.indexOf('Summary of the earlier conversation')).toBeLessThan(
      md.indexOf('## User')
    );
  });

  it('chooses fences longer than any backticks in the content', () => {
    const code = 'doc = """\n```python\nprint(1)\n```\n"""\nq = "````"';
    const chat = chatOf([
      user('write a docstring'),
      assistant({
        id: 't1',
        name: 'run_scratch',
        input: { code },
        state: 'done',
        result: { content: 'Output:\n```\nstill text\n```' }
      })
    ]);
    const md = chatToMarkdown(chat);
    expect(fenceFor(code)).toBe('`````');
    expect(md).toContain(`\`\`\`\`\`python\n${code}\n\`\`\`\`\``);
    expect(md).toContain('````text\nOutput:\n```\nstill text\n```\n````');
    // Every fence opened is closed by the same fence: no content line is read as a fence.
    const body = md.split('\n');
    let open: string | null = null;
    for (const line of body) {
      const fence = /^(`{3,})(\w*)$/.exec(line);
      if (!fence) {
        continue;
      }
      if (open === null) {
        open = fence[1];
      } else if (fence[1].length >= open.length && !fence[2]) {
        open = null;
      }
    }
    expect(open).toBeNull();
  });

  it('truncates long results and escapes inline Markdown in notes', () => {
    const long = `Output:\n${'x'.repeat(10_000)}`;
    const chat = chatOf(
      [
        user('big'),
        assistant({
          id: 't1',
          name: 'run_scratch',
          input: { code: 'print("x" * 10000)' },
          state: 'done',
          result: { content: long }
        })
      ],
      'cost_$5 <b>#1</b>'
    );
    const md = chatToMarkdown(chat);
    expect(md).toContain('characters left out');
    expect(md.length).toBeLessThan(4000);
    expect(md.split('\n')[0]).toBe('# cost\\_\\$5 \\<b\\>\\#1\\</b\\>');
  });

  it('copes with an empty chat and missing persona or model', () => {
    const md = chatToMarkdown({ ...chatOf([], ''), personaId: null });
    expect(md).toBe(
      '# Untitled chat\n\n*Started 2024-05-01 14:03 UTC · last message 2024-05-01 15:03 UTC*\n'
    );
  });
});

describe('chatToNotebook', () => {
  it('is a valid nbformat 4.5 notebook with the chat metadata', async () => {
    const { chat } = await realisticChat();
    const nb = chatToNotebook(chat, {
      now: Date.UTC(2024, 5, 2, 8, 0),
      personaName: () => 'Senior Data Engineer'
    });
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.kernelspec).toEqual({
      name: 'python3',
      display_name: 'Python 3 (ipykernel)',
      language: 'python'
    });
    expect(nb.metadata.language_info).toEqual({ name: 'python' });
    expect(nb.metadata.data_engineer).toMatchObject({
      chat_id: 'chat-20240501-abc',
      exported_at: '2024-06-02T08:00:00.000Z',
      persona: 'Senior Data Engineer',
      model: 'claude-sonnet-4-5'
    });
    const ids = nb.cells.map(c => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    ids.forEach(id => expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/));
    expectValid(nb);
  });

  it('turns user, recap and assistant text into markdown cells in order', async () => {
    const { chat } = await realisticChat();
    const nb = chatToNotebook(chat);
    const roles = nb.cells.map(c =>
      c.cell_type === 'code' ? 'code' : (c.metadata.data_engineer as any).role
    );
    expect(roles).toEqual([
      'title',
      'recap',
      'user',
      'assistant',
      'code', // insert + run
      'assistant',
      'code', // edit + failing run
      'assistant',
      'code', // run_scratch
      'code', // run_scratch error
      'assistant', // list_variables line, then the next reply's text and insert_cell line
      'code', // plot
      'assistant', // denied call line
      'user'
    ]);
    expect(nb.cells[0].source).toMatch(/^# Load the orders CSV into DuckDB\n/);
    expect(nb.cells[1].source).toContain(
      '**Summary of the earlier conversation**'
    );
    expect(nb.cells[2].source).toBe(
      '**You:**\n\nLoad `orders.csv` and check the **amount** column.\n\n*Attached: @orders.csv*'
    );
    expect(nb.cells[3].source).toBe(
      "**Assistant:**\n\nI'll load it first.\n\n" +
        '*Tool insert\\_cell — Insert a code cell (done)*'
    );
    // Only the first markdown cell of an answer carries the label.
    expect(nb.cells[5].source.startsWith('It loaded.')).toBe(true);
    expect(nb.cells[13].source).toBe('**You:**\n\nthanks');
  });

  it('makes the code the assistant ran into code cells with outputs and execution counts', async () => {
    const { chat, cellId } = await realisticChat();
    const nb = chatToNotebook(chat);
    const [first, second] = codeCells(nb.cells);
    expect(first.source).toBe(
      "import pandas as pd\norders = pd.read_csv('orders.csv')\nprint(len(orders), 'rows')"
    );
    expect(first.execution_count).toBe(1);
    expect(first.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1000 rows\n' },
      {
        output_type: 'stream',
        name: 'stderr',
        text: 'DtypeWarning: mixed types\n'
      }
    ]);
    expect(first.metadata.data_engineer).toEqual({
      tool: 'run_cell',
      cell_id: cellId,
      notebook_path: 'etl/orders.ipynb'
    });
    // The same cell, edited then run again: its new source and the error.
    expect(second.source).toBe(
      "orders = pd.read_csv('orders.csv')\norders['amount']"
    );
    expect(second.execution_count).toBe(2);
    expect(second.outputs![0]).toEqual({
      output_type: 'stream',
      name: 'stdout',
      text: 'reading orders.csv\n'
    });
    const error = second.outputs![1] as any;
    expect(error.output_type).toBe('error');
    expect(error.ename).toBe('KeyError');
    expect(error.evalue).toBe("'amount'");
    // The kernel's traceback as it came (JupyterLab renders its colours).
    expect(error.traceback).toEqual(IPYTHON_TRACEBACK);
    expect(second.outputs).toHaveLength(2);
    expectValid(nb);
  });

  it('makes run_scratch calls code cells without an execution count, errors included', async () => {
    const { chat } = await realisticChat();
    const nb = chatToNotebook(chat);
    const scratch = codeCells(nb.cells).filter(
      c => (c.metadata.data_engineer as any).tool === 'run_scratch'
    );
    expect(scratch).toHaveLength(2); // the denied one is not code that ran
    expect(scratch[0].source).toBe('list(orders.columns)');
    expect(scratch[0].execution_count).toBeNull();
    // The kernel's own outputs: a value is an execute_result, not printed text.
    expect(scratch[0].outputs).toEqual([
      {
        output_type: 'execute_result',
        data: { 'text/plain': "['order_id', 'total']" },
        metadata: {},
        execution_count: null
      }
    ]);
    expect(scratch[1].source).toBe('1/0');
    expect(scratch[1].outputs).toEqual([
      {
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: ['ZeroDivisionError: division by zero']
      }
    ]);
  });

  it('turns an attached plot into display_data with image/png', async () => {
    const { chat, plotId } = await realisticChat();
    const nb = chatToNotebook(chat);
    const plot = codeCells(nb.cells).find(
      c => (c.metadata.data_engineer as any).cell_id === plotId
    )!;
    expect(plot.source).toBe("orders['total'].plot.hist()");
    expect(plot.execution_count).toBe(3);
    expect(plot.outputs).toEqual([
      {
        output_type: 'display_data',
        data: {
          'image/png': PNG,
          'text/plain': '<Figure size 640x480 with 1 Axes>'
        },
        metadata: {}
      }
    ]);
  });

  it('keeps proposed code and other tool calls in the markdown', async () => {
    const { chat } = await realisticChat();
    const nb = chatToNotebook(chat);
    const md = markdownText(nb.cells);
    expect(md).toContain('```sql\nSELECT sum(total) FROM orders\n```');
    expect(codeCells(nb.cells).some(c => c.source.includes('SELECT'))).toBe(
      false
    );
    expect(md).toContain(
      "*Tool list\\_variables — List the kernel's variables (done)*"
    );
    expect(md).toContain(
      '*Tool run\\_scratch — Run scratch code in the kernel (denied by the user: keep staging for now)*'
    );
    expect(codeCells(nb.cells).some(c => c.source.includes('DROP TABLE'))).toBe(
      false
    );
  });

  it('uses the source the cell had when it ran, even when the chat never showed it', async () => {
    const { target, call } = harness();
    target.model.sharedModel.insertCell(0, {
      cell_type: 'code',
      source: 'spark.sql("select 1").show()'
    });
    const id = target.model.list[0].id;
    target.script = () => ({ outputs: [stream('+---+\n|  1|\n+---+\n')] });
    const withPreview = await call('run_cell', { cell_id: id }, true);
    target.model.list[0].sharedModel.setSource('spark.sql("select 2").show()');
    const without = await call('run_cell', { cell_id: id });
    const nb = chatToNotebook(
      chatOf([user('run it'), assistant(withPreview, without)])
    );
    const [a, b] = codeCells(nb.cells);
    expect(a.source).toBe('spark.sql("select 1").show()');
    expect(a.metadata.data_engineer).toEqual({
      tool: 'run_cell',
      cell_id: id,
      notebook_path: 'etl/orders.ipynb'
    });
    expect(b.source).toBe('spark.sql("select 2").show()');
    expect(b.metadata.data_engineer).toEqual({
      tool: 'run_cell',
      cell_id: id,
      notebook_path: 'etl/orders.ipynb'
    });
    expect(b.execution_count).toBe(2);
    expect(b.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '+---+\n|  1|\n+---+\n' }
    ]);
    expectValid(nb);
  });

  it('builds the same code cells when every tool result is reworded', async () => {
    const { chat } = await realisticChat();
    // Each tool's text replaced (images kept): the export must not depend on wording.
    const reword = (turn: any) =>
      turn.role !== 'assistant'
        ? turn
        : {
            ...turn,
            blocks: turn.blocks.map((block: any) =>
              block.type === 'tool' && block.call.result
                ? {
                    ...block,
                    call: {
                      ...block.call,
                      result: {
                        ...block.call.result,
                        content:
                          typeof block.call.result.content === 'string'
                            ? 'Finished.'
                            : block.call.result.content.map((b: any) =>
                                b.type === 'text'
                                  ? { ...b, text: 'Finished.' }
                                  : b
                              )
                      }
                    }
                  }
                : block
            )
          };
    const original = chatToNotebook(chat, { now: T0 });
    const changed = chatToNotebook(
      { ...chat, turns: chat.turns.map(reword) },
      { now: T0 }
    );
    expect(codeCells(changed.cells)).toHaveLength(5);
    expect(codeCells(changed.cells)).toEqual(codeCells(original.cells));
    const md = chatToMarkdown({ ...chat, turns: chat.turns.map(reword) });
    expect(md).toContain(
      "```python\norders = pd.read_csv('orders.csv')\norders['amount']\n```"
    );
    expect(chatToMarkdown(chat)).toContain('Cell c0ffee');
    expect(md).not.toContain('Cell c0ffee');
  });

  it('does not make code cells of runs that ran nothing', async () => {
    const { call } = harness();
    const missing = await call('run_cell', { cell_id: 'nope' });
    const cancelled: IToolCall = {
      id: 't9',
      name: 'run_cell',
      input: { cell_id: 'abc' },
      state: 'cancelled'
    };
    const nb = chatToNotebook(
      chatOf([user('go'), assistant('Running.', missing, cancelled)])
    );
    expect(codeCells(nb.cells)).toHaveLength(0);
    expect(nb.cells[2].source).toContain(
      '*Tool run\\_cell — Run cell nope (failed: No cell with id "nope"'
    );
    expect(nb.cells[2].source).toContain(
      '*Tool run\\_cell — Run cell abc (cancelled)*'
    );
    expectValid(nb);
  });

  it('handles a recap alone, a failed reply and an empty chat', () => {
    const failed: IAssistantTurn = {
      ...assistant(),
      status: 'error',
      error: {
        kind: 'overloaded',
        message: 'The service is overloaded.',
        retryable: true
      } as any
    };
    const nb = chatToNotebook(
      chatOf([
        {
          id: 'r',
          role: 'recap',
          text: 'Earlier: nothing much.',
          status: 'done'
        },
        user('hi'),
        failed
      ])
    );
    expect(nb.cells.map(c => c.source)).toEqual([
      expect.stringMatching(/^# /),
      '> **Summary of the earlier conversation**\n>\n> Earlier: nothing much.',
      '**You:**\n\nhi',
      '**Assistant:**\n\n> **Error:** The service is overloaded.'
    ]);
    expectValid(nb);
    const empty = chatToNotebook(chatOf([], ''));
    expect(empty.cells).toHaveLength(1);
    expectValid(empty);
  });

  it('passes the nbformat validator, every notebook the tests produced', async () => {
    const { chat } = await realisticChat();
    produced.push({ name: 'realistic chat', notebook: chatToNotebook(chat) });
    const { status, stderr } = validate(...produced.map(p => p.notebook));
    if (status !== 0) {
      // Find the culprit for the message.
      const bad = produced
        .filter(p => validate(p.notebook).status !== 0)
        .map(p => p.name);
      throw new Error(
        `nbformat rejected notebooks of: ${bad.join('; ')}\n${stderr}`
      );
    }
  }, 120_000);

  it('is checked by a validator that does reject a broken notebook', async () => {
    const { chat } = await realisticChat();
    const nb = chatToNotebook(chat) as any;
    const noOutputs = JSON.parse(JSON.stringify(nb));
    delete codeCells(noOutputs.cells)[0].outputs;
    const badOutput = JSON.parse(JSON.stringify(nb));
    (codeCells(badOutput.cells)[0] as any).outputs[0] = {
      output_type: 'stream',
      text: 'no name'
    };
    // (The same notebook unbroken passes: see the test above.)
    const results = [noOutputs, badOutput].map(n => validate(n));
    expect(results.map(r => r.status)).toEqual([1, 1]);
    expect(results[1].stderr).toMatch(
      /ValidationError|NotebookValidationError/
    );
  }, 120_000);
});

describe('describing calls', () => {
  /** An input for each tool, as a model would send it ({} where the tool takes none). */
  const INPUTS: Record<string, Record<string, unknown>> = {
    insert_cell: { source: 'x = 1', notebook_path: 'a.ipynb' },
    edit_cell: { cell_id: 'c1', source: 'x = 2' },
    delete_cell: { cell_id: 'c1' },
    read_cell: { cell_id: 'c1' },
    run_cell: { cell_id: 'c1', notebook_path: 'a.ipynb' },
    create_notebook: { path: 'etl/new.ipynb' },
    inspect_variable: { name: 'orders' },
    run_scratch: { code: 'len(orders)' },
    install_packages: { packages: ['polars'] },
    read_file: { path: 'README.md' },
    write_file: { path: 'etl/load.py', content: 'print(1)\n' },
    edit_file: {
      path: 'etl/load.sql',
      old_text: 'SELECT 1',
      new_text: 'SELECT 2'
    },
    delete_file: { path: 'old.csv' },
    rename_file: { old_path: 'a.csv', new_path: 'b.csv' },
    find_files: { glob: '*.sql' },
    search_files: { pattern: 'orders' },
    find_usages: { symbol: 'load_orders' },
    run_command: { command: 'dbt build' },
    run_task: { label: 'make: test' },
    explain_query: { cell_id: 'c1' },
    propose_query_rewrite: { rewrite: 'SELECT 1' },
    verify_query_rewrite: { rewrite: 'SELECT 1' }
  };
  const done = (name: string, n: number): IToolCall => ({
    id: `t${n}`,
    name,
    input: INPUTS[name] ?? {},
    state: 'done',
    result: { content: 'ok' }
  });

  it("uses each tool's own description, for every tool family and MCP tools", () => {
    const names = registry.names;
    expect(names).toEqual(
      expect.arrayContaining([
        'run_cell',
        'list_variables',
        'read_file',
        'run_command',
        'list_tasks',
        'prove_etl_notebook',
        'explain_query',
        'mcp__db__query'
      ])
    );
    const nb = chatToNotebook(
      chatOf([user('go'), assistant('Working.', ...names.map(done))])
    );
    const md = markdownText(nb.cells);
    for (const name of names) {
      const line = registry.describe(name, INPUTS[name] ?? {})!;
      expect(line).toMatch(/\w/);
      const escaped = line
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/([\\`*_[\]<>#|$~])/g, '\\$1');
      expect(md).toContain(
        `*Tool ${name.replace(/_/g, '\\_')} — ${escaped} (done)*`
      );
    }
    expect(md).toContain(
      '*Tool mcp\\_\\_db\\_\\_query — MCP server "db": Run a query (done)*'
    );
    expect(md).toContain('*Tool run\\_cell — Run cell c1 in a.ipynb (done)*');
  });

  it('shows the input as its tool renders it: code fenced in its language, an edit as before and after', () => {
    const md = chatToMarkdown(
      chatOf([
        user('go'),
        assistant(
          done('write_file', 1),
          done('edit_file', 2),
          done('run_command', 3),
          done('read_file', 4)
        )
      ])
    );
    expect(md).toContain('```python\nprint(1)\n```');
    expect(md).toContain(
      'Replace in `etl/load.sql`:\n\n```sql\nSELECT 1\n```\n\nwith:\n\n```sql\nSELECT 2\n```'
    );
    expect(md).toContain('```shell\ndbt build\n```');
    expect(md).toContain('```json\n{\n  "path": "README.md"\n}\n```');
  });

  it('gives a tool this build no longer has a generic line, and works without any descriptions', () => {
    const gone: IToolCall = {
      id: 'g',
      name: 'mcp__gone__fetch',
      input: { path: 'data/x.csv' },
      state: 'done',
      result: { content: 'ok' }
    };
    const chat = chatOf([user('go'), assistant(gone, done('read_file', 2))]);
    expect(markdownText(chatToNotebook(chat).cells)).toContain(
      '*Tool mcp\\_\\_gone\\_\\_fetch — data/x.csv (done)*'
    );
    // A pure function over the saved chat: without the registry, every call gets the generic line.
    const bare = markdownText(toNotebook(chat).cells);
    expect(bare).toContain('*Tool read\\_file — README.md (done)*');
    expect(toMarkdown(chat)).toContain(
      '```json\n{\n  "path": "README.md"\n}\n```'
    );
  });
});

describe('exportFileName', () => {
  it('makes a safe, short name from the title', () => {
    expect(
      exportFileName(chatOf([], 'Load the orders CSV into DuckDB'), 'ipynb')
    ).toBe('chat-load-the-orders-csv-into-duckdb.ipynb');
    expect(exportFileName(chatOf([], 'Ça coûte 5 € / mois?'), 'md')).toBe(
      'chat-ca-coute-5-mois.md'
    );
    const long = exportFileName(
      chatOf([], `${'Why is the nightly ETL job slow '.repeat(5)}…`),
      'ipynb'
    );
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/^chat-why-is-the-nightly[a-z0-9-]*[a-z0-9]\.ipynb$/);
  });

  it('falls back to the chat id, then to "export"', () => {
    expect(exportFileName({ title: '', id: 'chat-20240501-abc' }, 'md')).toBe(
      'chat-chat-20240501-abc.md'
    );
    expect(exportFileName({ title: '日本語', id: '' }, 'ipynb')).toBe(
      'chat-export.ipynb'
    );
    for (const title of [
      '../../etc/passwd',
      'a\\b:c*d?e"f<g>h|i',
      '  ',
      '....'
    ]) {
      expect(exportFileName({ title, id: 'x/y' }, 'md')).toMatch(
        /^[A-Za-z0-9._-]{1,60}$/
      );
    }
  });
});
