// Cards and Undo read a result's data, not its wording: a reworded result keeps its Undo.
import '../../notebook/__tests__/jupyterlabMocks';
import { untranslated } from '../../translation';
import * as React from 'react';
import type { IToolCall } from '../../chats/conversation';
import type { IToolResult } from '../../tools/types';
import { ToolCard } from '../toolCard';
import { setup } from '../../files/__tests__/fakeContents';

// react-dom ships no types in this project; the two functions used are typed here.
type Root = { render(node: React.ReactNode): void; unmount(): void };
const { createRoot } = require('react-dom/client') as { createRoot(host: HTMLElement): Root };
const act = (React as unknown as { act(body: () => unknown): Promise<void> | void }).act;

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

/** The same result with wording no parser could know. */
function reworded(result: IToolResult): IToolResult {
  return { ...result, content: 'Done — the file is as you asked.' };
}

function callOf(result: IToolResult): IToolCall {
  return { id: 'toolu_1', name: 'write_file', input: { path: 'new.py' }, state: 'done', result };
}

describe('ToolCard with reworded results', () => {
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

  function render(call: IToolCall, changeLog: any): void {
    act(() => {
      root.render(
        <ToolCard call={call} changeLog={changeLog} rendermime={{} as any} trans={untranslated} onAnswer={() => undefined} />
      );
    });
  }

  it('offers Undo from the change id in the data, and Undo undoes that change', async () => {
    const { run, service, contents } = setup();
    const result = reworded(await run('write_file', { path: 'new.py', content: 'print(1)\n' }));
    expect(result.data?.change?.kind).toBe('create');
    render(callOf(result), service.changeLog);
    const button = host.querySelector<HTMLButtonElement>('.jp-DataEngineer-undoButton');
    expect(button).not.toBeNull();
    await act(async () => {
      button!.click();
      await new Promise(resolve => setTimeout(resolve, 0));
    });
    const [change] = await service.changeLog.changes('chat-1');
    expect(change.id).toBe(result.data!.change!.changeId);
    expect(change.undoneAt).toBeDefined();
    expect(contents.text('new.py')).toBeUndefined();
    expect(host.querySelector('.jp-DataEngineer-undone')).not.toBeNull();
  });

  it('offers no Undo for a result without a change, whatever its text says', async () => {
    const { service } = setup();
    render(callOf({ content: 'Created new.py (1 line). Change 123-abc.' }), service.changeLog);
    expect(host.querySelector('.jp-DataEngineer-undoButton')).toBeNull();
    expect(host.querySelector('.jp-DataEngineer-toolResult')?.textContent).toBe('Created new.py (1 line). Change 123-abc.');
  });
});
