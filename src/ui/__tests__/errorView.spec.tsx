import '@testing-library/jest-dom';
import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import type { IAssistantTurn } from '../../chats/conversation';
import { describeError } from '../../agent/errors';
import { APIError } from '@anthropic-ai/sdk';
import { untranslated } from '../../translation';
import { ErrorView, WAITING_NOTICE_S, WaitingView } from '../errorView';

function failed(
  status: number,
  type: string,
  message = 'm',
  headers: Record<string, string> = {}
): IAssistantTurn {
  const error = describeError(
    APIError.generate(
      status,
      { type: 'error', error: { type, message } } as any,
      undefined,
      new Headers(headers)
    )
  );
  return {
    id: 'a1',
    role: 'assistant',
    blocks: [],
    text: '',
    status: 'error',
    createdAt: 0,
    error
  };
}

function commands(known: string[] = ['settingeditor:open']) {
  return {
    execute: jest.fn(),
    hasCommand: (id: string) => known.includes(id)
  } as any;
}

/** The names of the buttons shown, in order. */
const buttons = () => screen.queryAllByRole('button').map(b => b.textContent);

describe('ErrorView', () => {
  afterEach(() => jest.useRealTimers());

  it('offers the actions of the cause, and runs their commands', () => {
    const registry = commands();
    render(
      <ErrorView
        turn={failed(404, 'not_found_error', 'model: x')}
        isLast
        busy={false}
        trans={untranslated}
        commands={registry}
      />
    );
    expect(buttons()).toEqual(['Open settings', 'Retry']);
    fireEvent.click(screen.getByRole('button', { name: 'Open settings' }));
    expect(registry.execute).toHaveBeenCalledWith('settingeditor:open', {
      query: 'Data Engineer'
    });
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(registry.execute).toHaveBeenCalledWith('data-engineer:retry');
    expect(screen.getByRole('alert')).toHaveTextContent('model: x');
  });

  it('leaves out the settings button where there is no settings editor, and all actions on older replies', () => {
    const turn = failed(403, 'permission_error');
    const { unmount } = render(
      <ErrorView
        turn={turn}
        isLast
        busy={false}
        trans={untranslated}
        commands={commands([])}
      />
    );
    expect(buttons()).toEqual(['Retry']);
    unmount();
    render(
      <ErrorView
        turn={turn}
        isLast={false}
        busy={false}
        trans={untranslated}
        commands={commands()}
      />
    );
    expect(buttons()).toEqual([]);
    expect(screen.getByRole('alert')).toHaveTextContent('lacks permission');
  });

  it('counts down the wait a 429 asked for on its Retry button', () => {
    jest.useFakeTimers();
    render(
      <ErrorView
        turn={failed(429, 'rate_limit_error', 'slow down', {
          'retry-after': '3'
        })}
        isLast
        busy={false}
        trans={untranslated}
        commands={commands()}
      />
    );
    expect(buttons()).toEqual(['Retry (in 3 s)']);
    act(() => jest.advanceTimersByTime(1000));
    expect(buttons()).toEqual(['Retry (in 2 s)']);
    act(() => jest.advanceTimersByTime(2500));
    expect(buttons()).toEqual(['Retry']);
  });

  it('offers Compact and retry and New chat for a request that is too long or too large', () => {
    for (const turn of [
      failed(
        400,
        'invalid_request_error',
        'prompt is too long: 9 tokens > 8 maximum'
      ),
      failed(413, 'request_too_large')
    ]) {
      const { unmount } = render(
        <ErrorView
          turn={turn}
          isLast
          busy={false}
          trans={untranslated}
          commands={commands()}
        />
      );
      expect(buttons()).toEqual(['Compact and retry', 'New chat']);
      unmount();
    }
  });
});

describe('WaitingView', () => {
  afterEach(() => jest.useRealTimers());

  it('says Thinking…, then how long it has waited for a first byte and that Stop cancels', () => {
    jest.useFakeTimers();
    const { container } = render(<WaitingView trans={untranslated} />);
    expect(container.textContent).toBe('Thinking…');
    act(() => jest.advanceTimersByTime((WAITING_NOTICE_S - 1) * 1000));
    expect(container.textContent).toBe('Thinking…');
    act(() => jest.advanceTimersByTime(3000));
    expect(container).toHaveTextContent(
      'Waiting for the model endpoint to answer'
    );
    expect(container).toHaveTextContent(/\(\d+ s so far\)/);
    expect(container).toHaveTextContent('Stop cancels');
  });
});
