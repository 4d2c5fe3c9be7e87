// Cards and Undo read a result's data, not its wording: a reworded result keeps its Undo.
import '../../notebook/__tests__/jupyterlabMocks';
import '@testing-library/jest-dom';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { IToolCall } from '../../chats/conversation';
import type { IToolResult } from '../../tools/types';
import { toolCard } from '../../__tests__/toolCardFixture';
import { setup } from '../../files/__tests__/fakeContents';

/** The same result with wording no parser could know. */
function reworded(result: IToolResult): IToolResult {
  return { ...result, content: 'Done — the file is as you asked.' };
}

function callOf(result: IToolResult): IToolCall {
  return {
    id: 'toolu_1',
    name: 'write_file',
    input: { path: 'new.py' },
    state: 'done',
    result
  };
}

describe('ToolCard with reworded results', () => {
  it('offers Undo from the change id in the data, and Undo undoes that change', async () => {
    const { run, service, contents } = setup();
    const result = reworded(
      await run('write_file', { path: 'new.py', content: 'print(1)\n' })
    );
    expect(result.data?.change?.kind).toBe('create');
    const { container } = render(
      toolCard(callOf(result), { changeLog: service.changeLog })
    );
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    // The button gives way to the "undone" note once the undo has finished.
    await waitFor(() =>
      expect(
        container.querySelector('.jp-DataEngineer-undone')
      ).toBeInTheDocument()
    );
    const [change] = await service.changeLog.changes('chat-1');
    expect(change.id).toBe(result.data!.change!.changeId);
    expect(change.undoneAt).toBeDefined();
    expect(contents.text('new.py')).toBeUndefined();
  });

  it('offers no Undo for a result without a change, whatever its text says', async () => {
    const { service } = setup();
    const { container } = render(
      toolCard(
        callOf({ content: 'Created new.py (1 line). Change 123-abc.' }),
        { changeLog: service.changeLog }
      )
    );
    expect(
      screen.queryByRole('button', { name: 'Undo' })
    ).not.toBeInTheDocument();
    expect(
      container.querySelector('.jp-DataEngineer-toolResult')?.textContent
    ).toBe('Created new.py (1 line). Change 123-abc.');
  });
});
