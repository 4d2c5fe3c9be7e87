// The chat's tools load on first need (issue 30: drawing a chat, the panel
// restored open at start-up, loads no tool code): the chat's own tools and the
// tool families wait for the first keystroke, a send, the persona details or a
// tool card to draw; a family with a status to show may ask to load at start.
import '../../notebook/__tests__/jupyterlabMocks';
import '@testing-library/jest-dom';
import { act, render, screen } from '@testing-library/react';
import { CommandRegistry } from '@lumino/commands';
import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';
import { FakeContents } from '../../__tests__/fakeContents';
import { fakeTool } from '../../__tests__/allTools';
import { testSettings } from '../../__tests__/testSettings';
import { toolCard } from '../../__tests__/toolCardFixture';
import { ResultViews, ToolFamilies } from '../../api/registries';
import type { IToolCall } from '../../chats/conversation';
import type { IToolFamily, IToolFamilyContents } from '../../tokens';
import { untranslated } from '../../translation';
import { PersonaDetails } from '../../ui/personaHeader';
import { LoadToolsContext, ResultViewsContext } from '../../ui/toolCard';
import { ChatApp } from '../createChat';

/** A server that answers the setup question (nothing else is asked in these tests). */
function serverSettings(): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://127.0.0.1:9/',
    fetch: (async () => ({
      ok: true,
      status: 200,
      json: async () => ({ has_key: true, upstream: 'x' })
    })) as any
  });
}

/** A family whose `load` is counted (and can be held). */
function family(
  id: string,
  contents: Partial<IToolFamilyContents> = {},
  extra: Partial<IToolFamily> = {}
) {
  const load = jest.fn(async (): Promise<IToolFamilyContents> => ({
    tools: [fakeTool(`${id}_tool`)],
    ...contents
  }));
  return { family: { id, load, ...extra } as IToolFamily, load };
}

function chatApp(families: ToolFamilies, views = new ResultViews()) {
  const contents = new FakeContents();
  return new ChatApp({
    rendermime: {} as any,
    notebookTracker: null,
    docManager: null,
    activate: () => undefined,
    serverSettings: serverSettings(),
    contents: contents as any,
    settings: () => testSettings(),
    activePath: () => null,
    openFile: () => undefined,
    commands: new CommandRegistry(),
    trans: untranslated,
    toolFamilies: families,
    resultViews: views
  });
}

describe('ChatApp: tools on first need', () => {
  it('builds and starts without loading any tool; loadTools loads its own tools, then each family once', async () => {
    const families = new ToolFamilies();
    const query = family('query', {
      slashCommands: [
        {
          name: 'optimize',
          description: 'Optimize',
          expand: async () => ({ prompt: 'o' })
        }
      ]
    });
    families.addFamily(query.family);
    const app = chatApp(families);
    await app.start();
    // The chat is drawn and started: no family loaded, none of its own tools either.
    expect(query.load).not.toHaveBeenCalled();
    expect(app.toolsLoaded).toBe(false);
    expect(app.assistant.registry.get('read_file')).toBeUndefined();
    expect(app.assistant.slashCommands.get('optimize')).toBeUndefined();

    await Promise.all([app.loadTools(), app.loadTools()]);
    expect(app.toolsLoaded).toBe(true);
    expect(query.load).toHaveBeenCalledTimes(1);
    expect(app.assistant.registry.get('read_file')).toBeDefined();
    expect(app.assistant.registry.get('query_tool')).toBeDefined();
    expect(app.assistant.slashCommands.get('optimize')).toBeDefined();

    // A family registered once the tools are loaded joins at once.
    const late = family('late');
    families.addFamily(late.family);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(late.load).toHaveBeenCalledTimes(1);
    expect(app.assistant.registry.get('late_tool')).toBeDefined();
    await app.loadTools();
    expect(query.load).toHaveBeenCalledTimes(1);
    app.dispose();
  });

  it('a send waits for the tools: a slash command of a family expands on the very first send', async () => {
    const families = new ToolFamilies();
    const expanded: string[] = [];
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const query = family('query');
    query.load.mockImplementation(async () => {
      await held;
      return {
        tools: [],
        slashCommands: [
          {
            name: 'optimize',
            description: 'Optimize',
            expand: async args => {
              expanded.push(args);
              return null;
            }
          }
        ]
      };
    });
    families.addFamily(query.family);
    const app = chatApp(families);
    const sent = app.assistant.send('/optimize the join');
    await new Promise(resolve => setTimeout(resolve, 10));
    // The family is loading (the send asked for it), not done: nothing expanded yet.
    expect(query.load).toHaveBeenCalledTimes(1);
    expect(expanded).toEqual([]);
    release();
    await sent;
    expect(expanded).toEqual(['the join']);
    app.dispose();
  });

  it("the @ menu waits for the tools: a family's mention source (the catalog's tables) is listed on the first @", async () => {
    const families = new ToolFamilies();
    const query = family('query', {
      tools: [],
      mentionSources: [
        {
          id: 'tables',
          items: async () => [{ name: 'orders', kind: 'table' }],
          attachment: async () => null
        }
      ]
    });
    families.addFamily(query.family);
    const app = chatApp(families);
    expect(query.load).not.toHaveBeenCalled();
    const items = await app.assistant.mentionItems();
    expect(items).toEqual([{ name: 'orders', kind: 'table' }]);
    expect(query.load).toHaveBeenCalledTimes(1);
    app.dispose();
  });

  it('a family asking to load at start (a status to show) loads the tools when the chat starts', async () => {
    const families = new ToolFamilies();
    const quiet = family('quiet', {}, { loadAtStart: () => false });
    families.addFamily(quiet.family);
    const app = chatApp(families);
    await app.start();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(quiet.load).not.toHaveBeenCalled();
    app.dispose();

    const statusFamilies = new ToolFamilies();
    const status = family('status', {}, { loadAtStart: async () => true });
    statusFamilies.addFamily(status.family);
    const other = family('other');
    statusFamilies.addFamily(other.family);
    const withStatus = chatApp(statusFamilies);
    await withStatus.start();
    for (let i = 0; i < 50 && !other.load.mock.calls.length; i++) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    expect(withStatus.toolsLoaded).toBe(true);
    expect(status.load).toHaveBeenCalledTimes(1);
    expect(other.load).toHaveBeenCalledTimes(1);
    withStatus.dispose();
  });

  it('exports a chat with its calls described by their tools (loaded first)', async () => {
    const families = new ToolFamilies();
    const app = chatApp(families);
    expect(app.assistant.registry.get('read_file')).toBeUndefined();
    const model = app.model;
    model.addUser('read it');
    const turn = model.addAssistant();
    model.updateAssistant(turn.id, {
      status: 'done',
      blocks: [
        {
          type: 'tool',
          call: {
            id: 'toolu_1',
            name: 'read_file',
            input: { path: 'data/orders.csv' },
            state: 'done',
            result: { content: 'a,b' }
          }
        }
      ]
    });
    const path = await app.exportChat('md');
    const text = (app.options.contents as any).files.get(path) as string;
    expect(app.toolsLoaded).toBe(true);
    // read_file's own line (a tool unknown to the export gets only the path).
    expect(text).toContain('Read data/orders.csv');
    app.dispose();
  });
});

describe('persona details: the tools list is a need', () => {
  it('opening the details loads the tools and lists what a family withholds', async () => {
    const families = new ToolFamilies();
    const terminal = family('terminal', {
      withheld: Promise.resolve({
        names: ['read_file'],
        reason: 'not on this test server'
      })
    });
    families.addFamily(terminal.family);
    const app = chatApp(families);
    await app.start();
    expect(terminal.load).not.toHaveBeenCalled();
    // What the header's details button shows (the toolbar button needs JupyterLab's web components).
    await act(async () => {
      render(
        <PersonaDetails
          assistant={app.assistant}
          trans={untranslated}
          onReloadPersonas={() => undefined}
          onSwitchPersona={() => undefined}
          onNewChat={() => undefined}
        />
      );
    });
    expect(terminal.load).toHaveBeenCalledTimes(1);
    expect(
      await screen.findByText(/read_file: not on this test server/)
    ).toBeInTheDocument();
    app.dispose();
  });
});

describe('ToolCard: result views of tools loaded on first need', () => {
  const call: IToolCall = {
    id: 'toolu_1',
    name: 'example_text_stats',
    input: {},
    state: 'done',
    result: { content: '4 words', data: { stats: { words: 4 } } }
  };

  it('asks for the tools when drawn, and draws the view once its family registers it', async () => {
    const views = new ResultViews();
    const loadTools = jest.fn(async () => undefined);
    render(
      <ResultViewsContext.Provider value={views}>
        <LoadToolsContext.Provider value={loadTools}>
          {toolCard(call)}
        </LoadToolsContext.Provider>
      </ResultViewsContext.Provider>
    );
    expect(loadTools).toHaveBeenCalled();
    expect(screen.queryByText('4 words in a view')).toBeNull();
    act(() => {
      views.add({
        id: 'stats',
        matches: c => !!c.result?.data?.stats,
        component: () => <div>4 words in a view</div>
      });
    });
    expect(screen.getByText('4 words in a view')).toBeInTheDocument();
  });
});
