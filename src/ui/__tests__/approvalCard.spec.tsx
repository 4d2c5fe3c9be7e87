// The approval card: the run-all card lists the changed cells with their code; "Allow for this chat" says what it means.
import '../../notebook/__tests__/jupyterlabMocks';
import { untranslated } from '../../translation';
import * as React from 'react';
import type { IToolCall } from '../../chats/conversation';
import { ToolCard } from '../toolCard';
import { createFileTools } from '../../files';
import { createNotebookTools } from '../../notebook/tools/tools';
import { ToolRegistry } from '../../tools/registry';

type Root = { render(node: React.ReactNode): void; unmount(): void };
const { createRoot } = require('react-dom/client') as { createRoot(host: HTMLElement): Root };
const act = (React as unknown as { act(body: () => unknown): Promise<void> | void }).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

describe('approval card', () => {
  let host: HTMLElement;
  let root: Root;
  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });
  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });
  const render = (call: IToolCall) =>
    act(() => root.render(<ToolCard call={call} rendermime={{} as any} trans={untranslated} onAnswer={() => undefined} />));

  it('lists the cells changed since they last ran, long ones collapsed', () => {
    const long = Array.from({ length: 30 }, (_, i) => `x${i} = ${i}`).join('\n');
    render({
      id: 't1',
      name: 'run_all_cells',
      input: {},
      state: 'waiting_approval',
      preview: {
        summary: 'Run all 5 code cells of the active notebook (a.ipynb)',
        cells: {
          title: '2 of them changed by the assistant since they last ran:',
          items: [
            { id: 'c1', source: 'df = pl.read_csv("<b>x</b>.csv")', language: 'python' },
            { id: 'c2', source: long, language: 'python' }
          ]
        }
      }
    });
    expect(host.querySelector('.jp-DataEngineer-toolSummary')?.textContent).toBe('Run all 5 code cells of the active notebook (a.ipynb)');
    const cells = [...host.querySelectorAll<HTMLDetailsElement>('.jp-DataEngineer-boundCell')];
    expect(cells.map(c => c.dataset.cellId)).toEqual(['c1', 'c2']);
    expect(cells.map(c => c.open)).toEqual([true, false]);
    // Code is text, never markup.
    expect(cells[0].querySelector('code')?.textContent).toBe('df = pl.read_csv("<b>x</b>.csv")');
    expect(cells[0].querySelector('b')).toBeNull();
    expect(cells[1].querySelector('summary')?.textContent).toContain('30 lines');
  });

  it('says what "Allow for this chat" means on run_cell, in the words the tool declares', async () => {
    // The preview as the session builds it from the real tool.
    const runCell = createNotebookTools().find(tool => tool.name === 'run_cell')!;
    const preview = await ToolRegistry.previewOf(runCell, { cell_id: 'c1' }, { signal: new AbortController().signal, services: {} });
    render({ id: 't2', name: 'run_cell', input: { cell_id: 'c1' }, state: 'waiting_approval', preview });
    const meaning = host.querySelector('.jp-DataEngineer-allowChatMeaning');
    expect(meaning?.textContent).toMatch(/runs any cell the assistant edits, without asking, for the rest of this chat/);
    expect(host.querySelector('.jp-DataEngineer-allowChat')?.getAttribute('aria-describedby')).toBe(meaning?.id);
  });

  it('says the general rule for a tool that declares nothing, and its describe line is the summary', async () => {
    const readFile = createFileTools().find(tool => tool.name === 'delete_file')!;
    const preview = await ToolRegistry.previewOf({ ...readFile, preview: undefined }, { path: 'old.csv' }, { signal: new AbortController().signal, services: {} });
    render({ id: 't3', name: 'delete_file', input: { path: 'old.csv' }, state: 'waiting_approval', preview });
    expect(host.querySelector('.jp-DataEngineer-toolSummary')?.textContent).toBe('Delete old.csv');
    expect(host.querySelector('.jp-DataEngineer-allowChatMeaning')?.textContent).toBe(
      'Allow for this chat: runs delete_file without asking for the rest of this chat (input that looks destructive still asks).'
    );
  });
});
