// The approval card: the run-all card lists the changed cells with their code; "Allow for this chat" says what it means.
import '../../notebook/__tests__/jupyterlabMocks';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import { toolCard } from '../../__tests__/toolCardFixture';
import { createFileTools } from '../../files/tools';
import { createNotebookTools } from '../../notebook/tools/tools';
import { ToolRegistry } from '../../tools/registry';

describe('approval card', () => {
  it('lists the cells changed since they last ran, long ones collapsed', () => {
    const long = Array.from({ length: 30 }, (_, i) => `x${i} = ${i}`).join(
      '\n'
    );
    const { container } = render(
      toolCard({
        id: 't1',
        name: 'run_all_cells',
        input: {},
        state: 'waiting_approval',
        preview: {
          summary: 'Run all 5 code cells of the active notebook (a.ipynb)',
          cells: {
            title: '2 of them changed by the assistant since they last ran:',
            items: [
              {
                id: 'c1',
                source: 'df = pl.read_csv("<b>x</b>.csv")',
                language: 'python'
              },
              { id: 'c2', source: long, language: 'python' }
            ]
          }
        }
      })
    );
    expect(
      container.querySelector('.jp-DataEngineer-toolSummary')?.textContent
    ).toBe('Run all 5 code cells of the active notebook (a.ipynb)');
    const cells = [
      ...container.querySelectorAll<HTMLDetailsElement>(
        '.jp-DataEngineer-boundCell'
      )
    ];
    expect(cells.map(c => c.dataset.cellId)).toEqual(['c1', 'c2']);
    expect(cells.map(c => c.open)).toEqual([true, false]);
    // Code is text, never markup.
    expect(cells[0].querySelector('code')?.textContent).toBe(
      'df = pl.read_csv("<b>x</b>.csv")'
    );
    expect(cells[0].querySelector('b')).toBeNull();
    expect(cells[1].querySelector('summary')).toHaveTextContent('30 lines');
  });

  it('says what "Allow for this chat" means on run_cell, in the words the tool declares', async () => {
    // The preview as the session builds it from the real tool.
    const runCell = createNotebookTools().find(
      tool => tool.name === 'run_cell'
    )!;
    const preview = await ToolRegistry.previewOf(
      runCell,
      { cell_id: 'c1' },
      { signal: new AbortController().signal, services: {} }
    );
    const { container } = render(
      toolCard({
        id: 't2',
        name: 'run_cell',
        input: { cell_id: 'c1' },
        state: 'waiting_approval',
        preview
      })
    );
    const meaning = container.querySelector(
      '.jp-DataEngineer-allowChatMeaning'
    )!;
    expect(meaning).toHaveTextContent(
      /runs any cell the assistant edits, without asking, for the rest of this chat/
    );
    expect(
      screen.getByRole('button', { name: 'Allow for this chat' })
    ).toHaveAttribute('aria-describedby', meaning.id);
  });

  it('says the general rule for a tool that declares nothing, and its describe line is the summary', async () => {
    const readFile = createFileTools().find(
      tool => tool.name === 'delete_file'
    )!;
    const preview = await ToolRegistry.previewOf(
      { ...readFile, preview: undefined },
      { path: 'old.csv' },
      { signal: new AbortController().signal, services: {} }
    );
    const { container } = render(
      toolCard({
        id: 't3',
        name: 'delete_file',
        input: { path: 'old.csv' },
        state: 'waiting_approval',
        preview
      })
    );
    expect(
      container.querySelector('.jp-DataEngineer-toolSummary')?.textContent
    ).toBe('Delete old.csv');
    expect(
      container.querySelector('.jp-DataEngineer-allowChatMeaning')?.textContent
    ).toBe(
      'Allow for this chat: runs delete_file without asking for the rest of this chat (input that looks destructive still asks).'
    );
  });
});
