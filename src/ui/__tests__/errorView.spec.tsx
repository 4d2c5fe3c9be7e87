import * as React from 'react';
import type { IAssistantTurn } from '../../chats/conversation';
import { describeError } from '../../agent/errors';
import { APIError } from '@anthropic-ai/sdk';
import { untranslated } from '../../translation';
import { ErrorView, WAITING_NOTICE_S, WaitingView } from '../errorView';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createRoot } = require('react-dom/client');
const act: (work: () => unknown) => any = (React as any).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function render(element: JSX.Element): { node: HTMLElement; unmount: () => void } {
  const node = document.createElement('div');
  const root = createRoot(node);
  act(() => root.render(element));
  return { node, unmount: () => act(() => root.unmount()) };
}

function failed(status: number, type: string, message = 'm', headers: Record<string, string> = {}): IAssistantTurn {
  const error = describeError(
    APIError.generate(status, { type: 'error', error: { type, message } } as any, undefined, new Headers(headers))
  );
  return { id: 'a1', role: 'assistant', blocks: [], text: '', status: 'error', createdAt: 0, error };
}

function commands(known: string[] = ['settingeditor:open']) {
  return { execute: jest.fn(), hasCommand: (id: string) => known.includes(id) } as any;
}

const buttons = (node: HTMLElement) => Array.from(node.querySelectorAll('button')).map(b => b.textContent);

describe('ErrorView', () => {
  afterEach(() => jest.useRealTimers());

  it('offers the actions of the cause, and runs their commands', () => {
    const registry = commands();
    const { node, unmount } = render(
      <ErrorView turn={failed(404, 'not_found_error', 'model: x')} isLast busy={false} trans={untranslated} commands={registry} />
    );
    expect(buttons(node)).toEqual(['Open settings', 'Retry']);
    act(() => (node.querySelector('.jp-DataEngineer-openSettings') as HTMLElement).click());
    expect(registry.execute).toHaveBeenCalledWith('settingeditor:open', { query: 'Data Engineer' });
    act(() => (node.querySelector('.jp-DataEngineer-retry') as HTMLElement).click());
    expect(registry.execute).toHaveBeenCalledWith('data-engineer:retry');
    expect(node.textContent).toContain('model: x');
    unmount();
  });

  it('leaves out the settings button where there is no settings editor, and all actions on older replies', () => {
    const turn = failed(403, 'permission_error');
    const { node, unmount } = render(<ErrorView turn={turn} isLast busy={false} trans={untranslated} commands={commands([])} />);
    expect(buttons(node)).toEqual(['Retry']);
    unmount();
    const older = render(<ErrorView turn={turn} isLast={false} busy={false} trans={untranslated} commands={commands()} />);
    expect(buttons(older.node)).toEqual([]);
    expect(older.node.textContent).toContain('lacks permission');
    older.unmount();
  });

  it('counts down the wait a 429 asked for on its Retry button', () => {
    jest.useFakeTimers();
    const { node, unmount } = render(
      <ErrorView turn={failed(429, 'rate_limit_error', 'slow down', { 'retry-after': '3' })} isLast busy={false} trans={untranslated} commands={commands()} />
    );
    expect(buttons(node)).toEqual(['Retry (in 3 s)']);
    act(() => jest.advanceTimersByTime(1000));
    expect(buttons(node)).toEqual(['Retry (in 2 s)']);
    act(() => jest.advanceTimersByTime(2500));
    expect(buttons(node)).toEqual(['Retry']);
    unmount();
  });

  it('offers Compact and retry and New chat for a request that is too long or too large', () => {
    for (const turn of [failed(400, 'invalid_request_error', 'prompt is too long: 9 tokens > 8 maximum'), failed(413, 'request_too_large')]) {
      const { node, unmount } = render(<ErrorView turn={turn} isLast busy={false} trans={untranslated} commands={commands()} />);
      expect(buttons(node)).toEqual(['Compact and retry', 'New chat']);
      unmount();
    }
  });
});

describe('WaitingView', () => {
  afterEach(() => jest.useRealTimers());

  it('says Thinking…, then how long it has waited for a first byte and that Stop cancels', () => {
    jest.useFakeTimers();
    const { node, unmount } = render(<WaitingView trans={untranslated} />);
    expect(node.textContent).toBe('Thinking…');
    act(() => jest.advanceTimersByTime((WAITING_NOTICE_S - 1) * 1000));
    expect(node.textContent).toBe('Thinking…');
    act(() => jest.advanceTimersByTime(3000));
    expect(node.textContent).toContain('Waiting for the model endpoint to answer');
    expect(node.textContent).toMatch(/\(\d+ s so far\)/);
    expect(node.textContent).toContain('Stop cancels');
    unmount();
  });
});
