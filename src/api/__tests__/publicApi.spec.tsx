// The public API's registries, the chat handle and result views drawn by the tool card.
import '../../notebook/__tests__/jupyterlabMocks';
import { render } from '@testing-library/react';
import * as React from 'react';
import type { IToolCall } from '../../chats/conversation';
import { toolCard } from '../../__tests__/toolCardFixture';
import { ResultViewsContext } from '../../ui/toolCard';
import { ChatHandle } from '../chatHandle';
import { PersonaSources, ResultViews, ToolFamilies } from '../registries';
import { textStatsFamily } from '../../examples/textStats';
import { ToolRegistry } from '../../tools/registry';
import { resolveTools } from '../../personas/toolMapping';
import { fakeTool } from '../../__tests__/allTools';

function call(
  data: Record<string, unknown>,
  state: IToolCall['state'] = 'done'
): IToolCall {
  return {
    id: 'toolu_1',
    name: 'example_text_stats',
    input: {},
    state,
    result: { content: 'ok', data }
  };
}

describe('ToolFamilies', () => {
  it('adds, refuses a duplicate id and removes on dispose, signalling each change', () => {
    const families = new ToolFamilies();
    let changes = 0;
    families.changed.connect(() => changes++);
    const added = families.addFamily({ id: 'a', load: () => ({ tools: [] }) });
    expect(() =>
      families.addFamily({ id: 'a', load: () => ({ tools: [] }) })
    ).toThrow(/registered already/);
    expect(families.families.map(f => f.id)).toEqual(['a']);
    added.dispose();
    added.dispose();
    expect(families.families).toEqual([]);
    expect(changes).toBe(2);
  });
});

describe('ResultViews', () => {
  it('returns the matching views by rank and skips a view whose matcher throws', () => {
    const views = new ResultViews();
    const component = () => null;
    views.add({ id: 'late', matches: c => !!c.result?.data?.x, component });
    views.add({
      id: 'early',
      rank: 1,
      matches: c => !!c.result?.data?.x,
      component
    });
    views.add({
      id: 'broken',
      matches: () => {
        throw new Error('no');
      },
      component
    });
    const other = views.add({
      id: 'other',
      matches: c => !!c.result?.data?.y,
      component
    });
    expect(views.viewsFor(call({ x: 1 })).map(v => v.id)).toEqual([
      'early',
      'late'
    ]);
    expect(views.viewsFor(call({ y: 1 })).map(v => v.id)).toEqual(['other']);
    other.dispose();
    expect(views.viewsFor(call({ y: 1 }))).toEqual([]);
  });
});

describe('PersonaSources', () => {
  it('normalises folders and removes one on dispose', () => {
    const sources = new PersonaSources();
    const a = sources.addFolder('/team/personas/');
    sources.addFolder('shared');
    expect(sources.folders).toEqual(['team/personas', 'shared']);
    a.dispose();
    expect(sources.folders).toEqual(['shared']);
  });
});

describe('tool groups a family brings', () => {
  it("are granted by name in a persona's tools, and by a persona without tools:, and described", () => {
    const registry = new ToolRegistry([
      fakeTool('read_file'),
      fakeTool('profile_table', { group: 'data-quality' })
    ]);
    // Unknown until the family declares it: the name is reported as unavailable.
    expect(resolveTools(['data-quality'], registry).unavailable).toEqual([
      'data-quality'
    ]);
    registry.addGroup('data-quality', 'Profile tables and check expectations');
    const granted = resolveTools(['data-quality'], registry);
    expect([...granted.tools]).toEqual(['profile_table']);
    expect([...granted.groups]).toEqual(['data-quality']);
    expect(resolveTools(null, registry).tools.has('profile_table')).toBe(true);
    expect(resolveTools(['read'], registry).tools.has('profile_table')).toBe(
      false
    );
    expect(registry.groupDescription('data-quality')).toBe(
      'Profile tables and check expectations'
    );
    expect(registry.groups().slice(-1)).toEqual(['data-quality']);
    expect(() => registry.addGroup('files-read', 'mine')).toThrow(/built-in/);
  });
});

describe('ChatHandle', () => {
  /** A loaded chat as far as the handle reads it. */
  function fakeChat() {
    const sent: unknown[][] = [];
    const added: string[] = [];
    const signal = () => ({ connect: jest.fn(), disconnect: jest.fn() });
    const assistant = {
      send: jest.fn(
        async (text: string) => void sent.push(['assistant', text])
      ),
      setPersona: jest.fn(),
      persona: { id: 'data-engineer' },
      chatId: 'chat-1',
      stateChanged: signal(),
      slashCommands: {
        add: jest.fn((command: { name: string }) => {
          added.push(command.name);
          return {
            isDisposed: false,
            dispose: () => added.splice(added.indexOf(command.name), 1)
          };
        })
      },
      busy: false,
      busyChanged: signal(),
      sendMessage: jest.fn(
        async (m: { text: string; attachments: unknown }) =>
          void sent.push(['message', m.text, m.attachments])
      ),
      retry: jest.fn(async () => undefined),
      continue: jest.fn(async () => undefined),
      stop: jest.fn()
    };
    return {
      widget: { app: { assistant, ready: Promise.resolve() } } as any,
      sent,
      added,
      assistant
    };
  }

  it('loads the chat on send, and hands over slash commands added before it loaded', async () => {
    const chat = fakeChat();
    let loaded: any = null;
    const handle = new ChatHandle({
      load: async () => {
        if (!loaded) {
          loaded = chat.widget;
          handle.chatLoaded(loaded);
        }
        return loaded;
      },
      open: async () => undefined,
      current: () => loaded
    });
    const command = {
      name: 'etl',
      description: 'ETL',
      expand: async () => null
    };
    const registration = handle.addSlashCommand(command);
    expect(handle.isLoaded).toBe(false);
    expect(handle.chatId).toBeNull();
    handle.stop(); // nothing loaded: nothing to stop, no load
    expect(loaded).toBeNull();

    await handle.send('hello');
    await handle.send('with data', [{ label: 'a', text: 'b' }]);
    expect(chat.sent).toEqual([
      ['assistant', 'hello'],
      ['message', 'with data', [{ label: 'a', text: 'b' }]]
    ]);
    expect(chat.added).toEqual(['etl']);
    expect(handle.isLoaded).toBe(true);
    expect(handle.chatId).toBe('chat-1');
    expect(handle.personaId).toBe('data-engineer');

    await handle.retry();
    await handle.continue();
    handle.stop();
    expect(chat.assistant.retry).toHaveBeenCalledTimes(1);
    expect(chat.assistant.continue).toHaveBeenCalledTimes(1);
    expect(chat.assistant.stop).toHaveBeenCalledTimes(1);
    await handle.setPersona('deployment-engineer');
    expect(chat.assistant.setPersona).toHaveBeenCalledWith(
      'deployment-engineer'
    );
    registration.dispose();
    expect(chat.added).toEqual([]);
    // Added after the load: straight into the chat.
    handle.addSlashCommand({ ...command, name: 'late' });
    expect(chat.added).toEqual(['late']);
  });
});

describe('ChatHandle before the chat has started', () => {
  it("sends only once the chat is ready (its families' slash commands registered)", async () => {
    let ready!: () => void;
    const sent: string[] = [];
    const widget: any = {
      app: {
        ready: new Promise<void>(resolve => (ready = resolve)),
        assistant: { send: async (text: string) => void sent.push(text) }
      }
    };
    const handle = new ChatHandle({
      load: async () => widget,
      open: async () => undefined,
      current: () => widget
    });
    const sending = handle.send('/optimize');
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(sent).toEqual([]);
    ready();
    await sending;
    expect(sent).toEqual(['/optimize']);
  });
});

describe('ToolCard result views', () => {
  /** The card with `views` as the registry of result views (none for `null`). */
  const card = (views: ResultViews | null, c: IToolCall) => (
    <ResultViewsContext.Provider value={views}>
      {toolCard(c)}
    </ResultViewsContext.Provider>
  );

  it("draws a family's registered view for its data, and nothing without the registry", async () => {
    const views = new ResultViews();
    const family = textStatsFamily();
    family.resultViews!.forEach(view => views.add(view));
    const result = await family.tools[0].run(
      { text: 'a b\nc' },
      { signal: new AbortController().signal, services: {} }
    );
    expect(result.content).toBe('2 lines, 3 words, 5 characters.');
    const done = call(result.data as Record<string, unknown>);
    const { container, rerender } = render(card(views, done));
    expect(
      container.querySelector('.jp-DataEngineer-exampleTextStats')?.textContent
    ).toBe('3 words in 2 lines');
    rerender(card(null, done));
    expect(
      container.querySelector('.jp-DataEngineer-exampleTextStats')
    ).toBeNull();
    rerender(card(views, call({ other: 1 })));
    expect(
      container.querySelector('.jp-DataEngineer-exampleTextStats')
    ).toBeNull();
  });
});
