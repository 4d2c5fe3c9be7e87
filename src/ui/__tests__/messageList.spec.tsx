import { act, render } from '@testing-library/react';
import * as React from 'react';
import { ChatModel } from '../../chats/chatModel';
import { untranslated } from '../../translation';
import { MessageList, TurnContext } from '../messageList';
import { STREAM_RENDER_INTERVAL_MS } from '../useSignal';

// Count what renders: each MarkdownView render is recorded with its text.
const renders: string[] = [];
jest.mock('../markdownView', () => ({
  MarkdownView: (props: { source: string }) => {
    renders.push(props.source);
    return null;
  }
}));
jest.mock('../toolCard', () => ({
  ToolCard: (props: { call: { id: string } }) => {
    renders.push(`tool:${props.call.id}`);
    return null;
  }
}));

function chatWithTurns(n: number): ChatModel {
  const model = new ChatModel({ id: 'chat-r' });
  for (let i = 0; i < n; i++) {
    model.addUser(`question ${i}`);
    const reply = model.addAssistant();
    model.updateAssistant(reply.id, {
      status: 'done',
      blocks: [{ type: 'text', text: `answer ${i}` }]
    });
  }
  return model;
}

const context: any = {
  assistant: {
    handoffOffers: () => [],
    personas: { get: () => undefined },
    answerApproval() {}
  },
  rendermime: {},
  trans: untranslated,
  actions: { insertBelow: () => true, replaceActive: () => true },
  changeLog: null,
  settings: () => ({ prices: {} }),
  commands: { execute: jest.fn() }
};

function mount(model: ChatModel) {
  return render(
    <TurnContext.Provider value={context}>
      <MessageList
        model={model}
        busy={false}
        personaId={null}
        hidden={false}
        emptyText="empty"
      />
    </TurnContext.Provider>
  );
}

/** Let the streamed-render interval and the animation frame the list waits for pass. */
async function nextFrame(): Promise<void> {
  await act(async () => {
    await new Promise(resolve =>
      setTimeout(resolve, STREAM_RENDER_INTERVAL_MS + 5)
    );
    await new Promise(resolve =>
      requestAnimationFrame(() => resolve(undefined))
    );
  });
}

describe('MessageList rendering cost', () => {
  beforeEach(() => {
    renders.length = 0;
  });

  it('renders only the streaming turn for each streamed token', async () => {
    const model = chatWithTurns(30); // 60 turns
    const { container } = mount(model);
    // A reopened chat shows its last 40 turns: 20 replies.
    expect(renders.filter(r => r.startsWith('answer'))).toHaveLength(20);
    expect(container.querySelectorAll('.jp-DataEngineer-turn')).toHaveLength(
      40
    );

    let reply!: { id: string };
    act(() => {
      model.addUser('next question');
      reply = model.addAssistant();
    });
    await nextFrame();
    renders.length = 0;
    let text = '';
    for (let token = 0; token < 10; token++) {
      text += `t${token} `;
      model.updateAssistant(reply.id, {
        status: 'streaming',
        blocks: [{ type: 'text', text }]
      });
      await nextFrame();
    }
    // One render per frame, each of the streaming turn only.
    expect(renders).toHaveLength(10);
    expect(renders.every(r => r.startsWith('t0 '))).toBe(true);
    expect(renders[9]).toBe(text);
  });

  it('shows the first token at once, then coalesces the tokens of an interval into one render', async () => {
    const model = chatWithTurns(2);
    mount(model);
    let reply!: { id: string };
    act(() => {
      reply = model.addAssistant();
    });
    await nextFrame();
    renders.length = 0;
    act(() => {
      for (let token = 0; token < 25; token++) {
        model.updateAssistant(reply.id, {
          status: 'streaming',
          blocks: [{ type: 'text', text: `x${token}` }]
        });
      }
    });
    // The first token renders synchronously (not even a frame later).
    expect(renders).toEqual(['x0']);
    await nextFrame();
    expect(renders).toEqual(['x0', 'x24']);
  });

  it('renders only the last chunk of a long streaming reply', async () => {
    const model = chatWithTurns(1);
    mount(model);
    let reply!: { id: string };
    act(() => {
      reply = model.addAssistant();
    });
    let text = Array.from(
      { length: 60 },
      (_, i) => `Paragraph ${i}: ${'words '.repeat(30)}`
    ).join('\n\n');
    act(() => {
      model.updateAssistant(reply.id, {
        status: 'streaming',
        blocks: [{ type: 'text', text }]
      });
    });
    await nextFrame();
    const chunks = renders.length;
    expect(chunks).toBeGreaterThan(3);
    renders.length = 0;
    for (let token = 0; token < 5; token++) {
      text += ` more${token}`;
      model.updateAssistant(reply.id, {
        status: 'streaming',
        blocks: [{ type: 'text', text }]
      });
      await nextFrame();
    }
    // Each frame renders one chunk, the last one, which is short.
    expect(renders).toHaveLength(5);
    expect(
      renders.every(r => r.length < 3000 && r.startsWith('Paragraph'))
    ).toBe(true);
    expect(renders[4].endsWith('more4')).toBe(true);
  });

  it('shows an approval at once; other tool progress with the next throttled render', async () => {
    const model = chatWithTurns(1);
    const reply = model.addAssistant();
    model.updateAssistant(reply.id, {
      status: 'tools',
      blocks: [
        {
          type: 'tool',
          call: { id: 'toolu_9', name: 'run_cell', input: {}, state: 'pending' }
        }
      ]
    });
    mount(model);
    renders.length = 0;
    act(() => {
      model.updateCall(reply.id, 'toolu_9', { state: 'waiting_approval' });
    });
    expect(renders).toEqual(['tool:toolu_9']);
    act(() => {
      model.updateCall(reply.id, 'toolu_9', { state: 'running' });
    });
    expect(renders).toEqual(['tool:toolu_9']);
    await nextFrame();
    expect(renders).toEqual(['tool:toolu_9', 'tool:toolu_9']);
  });

  it('renders a tool card again only when its call changes', async () => {
    const model = chatWithTurns(1);
    const reply = model.addAssistant();
    model.updateAssistant(reply.id, {
      status: 'tools',
      blocks: [
        { type: 'text', text: 'Running it.' },
        {
          type: 'tool',
          call: { id: 'toolu_1', name: 'run_cell', input: {}, state: 'pending' }
        }
      ]
    });
    mount(model);
    renders.length = 0;
    model.updateCall(reply.id, 'toolu_1', { state: 'running' });
    await nextFrame();
    // The turn renders again; its text block is the same object but the
    // markdown view is a function component, so only memoised parts skip.
    expect(renders.filter(r => r.startsWith('tool:'))).toEqual([
      'tool:toolu_1'
    ]);
    expect(renders.filter(r => r.startsWith('answer'))).toEqual([]);
  });
});
