import '@testing-library/jest-dom';
import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { Signal } from '@lumino/signaling';
import { SlashCommandRegistry } from '../../agent/slashCommands';
import { untranslated } from '../../translation';
import { Composer, slashQuery } from '../composer';

function setup(
  mentions: { name: string; kind?: string; detail?: string }[] = []
) {
  const slashCommands = new SlashCommandRegistry();
  slashCommands.add({
    name: 'profile',
    description: 'Profile a table',
    argumentHint: 'table=<name>',
    expand: async () => ({ prompt: 'p' })
  });
  slashCommands.add({
    name: 'explain',
    description: 'Explain the cell',
    expand: async () => ({ prompt: 'e' })
  });
  slashCommands.add({
    name: 'etl',
    description: 'Build an ETL step',
    expand: async () => ({ prompt: 't' })
  });
  const sent: string[] = [];
  const draftRequested = new Signal<any, string>({});
  // The tools load on first need, like ChatApp.loadTools: a family's slash command comes with them.
  const tools = { asked: 0, loading: null as Promise<void> | null };
  const assistant: any = {
    ensureTools: () => {
      tools.asked++;
      return (tools.loading ??= Promise.resolve().then(() => {
        slashCommands.add({
          name: 'optimize',
          description: 'Optimize the query',
          expand: async () => ({ prompt: 'o' })
        });
      }));
    },
    busy: false,
    stop() {},
    slashCommands,
    draftRequested,
    variableNames: async () => [],
    mentionItems: async () => mentions,
    send: async (text: string) => {
      sent.push(text);
      if (text.startsWith('/bad')) {
        throw new Error('/bad needs table');
      }
    }
  };
  const ref = React.createRef<HTMLTextAreaElement>();
  render(
    <Composer assistant={assistant} trans={untranslated} composerRef={ref} />
  );
  const input = screen.getByRole<HTMLTextAreaElement>('combobox', {
    name: 'Message'
  });
  const type = (value: string) =>
    fireEvent.change(input, { target: { value } });
  const key = (k: string) => fireEvent.keyDown(input, { key: k });
  const options = () => screen.queryAllByRole('option');
  const slashList = () =>
    screen.queryByRole('listbox', { name: 'Slash commands' });
  return { input, type, key, options, slashList, sent, draftRequested, tools };
}

describe('composer: the tools load on the first keystroke', () => {
  it('does not ask for them to draw, asks on the first keystroke, and their slash commands join the open menu', async () => {
    const { type, options, tools } = setup();
    expect(tools.asked).toBe(0);
    type('/');
    expect(tools.asked).toBeGreaterThan(0);
    expect(options().map(o => o.textContent)).not.toContain(
      '/optimizeOptimize the query'
    );
    await act(async () => {
      await tools.loading;
    });
    expect(options().map(o => o.textContent)).toContain(
      '/optimizeOptimize the query'
    );
  });
});

describe('composer slash completion', () => {
  it('finds the slash query only while the command word is typed', () => {
    expect(slashQuery('/')).toBe('');
    expect(slashQuery('/pro')).toBe('pro');
    expect(slashQuery('/profile orders')).toBeNull();
    expect(slashQuery('a /pro')).toBeNull();
  });

  it('lists the matching commands with description and argument hint, as an accessible listbox', () => {
    const { input, type, options, slashList } = setup();
    type('/');
    expect(slashList()).toBeInTheDocument();
    expect(options().map(o => o.textContent)).toEqual([
      '/etlBuild an ETL step',
      '/explainExplain the cell',
      '/profile table=<name>Profile a table'
    ]);
    expect(input).toHaveAttribute('aria-expanded', 'true');
    expect(input).toHaveAttribute('aria-activedescendant', options()[0].id);
    type('/e');
    expect(
      options().map(
        o => o.querySelector('.jp-DataEngineer-slashName')!.textContent
      )
    ).toEqual(['/etl', '/explain']);
    type('/zz');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(input).toHaveAttribute('aria-expanded', 'false');
  });

  it('arrows move the selection, Tab and Enter pick (without sending), Escape closes', () => {
    const { input, type, key, options, sent } = setup();
    type('/');
    key('ArrowDown');
    expect(options()[1]).toHaveAttribute('aria-selected', 'true');
    key('ArrowUp');
    key('ArrowUp');
    expect(options()[2]).toHaveAttribute('aria-selected', 'true');
    key('Tab');
    expect(input.value).toBe('/profile ');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    type('/ex');
    key('Enter');
    expect(input.value).toBe('/explain ');
    expect(sent).toEqual([]);
    type('/e');
    key('Escape');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    key('Enter');
    expect(sent).toEqual(['/e']);
  });

  it('takes a hand-off prompt as a draft, and gives a failed command its text back with the reason', async () => {
    const { input, type, key, sent, draftRequested } = setup();
    act(() => draftRequested.emit('Review the pipelines'));
    expect(input.value).toBe('Review the pipelines');
    expect(sent).toEqual([]);
    type('/bad orders');
    key('Enter');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      /^\/bad needs table$/
    );
    expect(sent).toEqual(['/bad orders']);
    expect(input.value).toBe('/bad orders');
  });

  it('@ lists the variables and the tables with their kind; Tab completes the name', async () => {
    const { input, type, key } = setup([
      { name: 'orders_df' },
      { name: 'orders', kind: 'table', detail: 'duckdb, connection `con`' },
      { name: 'customer', kind: 'table' }
    ]);
    type('How many @ord');
    const list = await screen.findByRole('listbox', {
      name: 'Kernel variables and tables'
    });
    const items = list.querySelectorAll('[role="option"]');
    expect([...items].map(o => o.textContent)).toEqual([
      '@orders_df',
      '@orders table'
    ]);
    expect(items[1]).toHaveAttribute('title', 'duckdb, connection `con`');
    expect(items[1]).toHaveAttribute('data-kind', 'table');
    key('ArrowDown');
    key('Tab');
    expect(input.value).toBe('How many @orders ');
  });
});
