import * as React from 'react';
import { Signal } from '@lumino/signaling';
import { SlashCommandRegistry } from '../../agent/slashCommands';
import { untranslated } from '../../translation';
import { Composer, slashQuery } from '../composer';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createRoot } = require('react-dom/client');
const act: (work: () => unknown) => any = (React as any).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function setup() {
  const slashCommands = new SlashCommandRegistry();
  slashCommands.add({ name: 'profile', description: 'Profile a table', argumentHint: 'table=<name>', expand: async () => ({ prompt: 'p' }) });
  slashCommands.add({ name: 'explain', description: 'Explain the cell', expand: async () => ({ prompt: 'e' }) });
  slashCommands.add({ name: 'etl', description: 'Build an ETL step', expand: async () => ({ prompt: 't' }) });
  const sent: string[] = [];
  const draftRequested = new Signal<any, string>({});
  const assistant: any = {
    busy: false,
    stop() {},
    slashCommands,
    draftRequested,
    variableNames: async () => [],
    send: async (text: string) => {
      sent.push(text);
      if (text.startsWith('/bad')) {
        throw new Error('/bad needs table');
      }
    }
  };
  const node = document.createElement('div');
  document.body.appendChild(node);
  const ref = React.createRef<HTMLTextAreaElement>();
  const root = createRoot(node);
  act(() => root.render(<Composer assistant={assistant} trans={untranslated} composerRef={ref} />));
  const input = node.querySelector('textarea')!;
  const type = (value: string) =>
    act(() => {
      const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
      setter.call(input, value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  const key = (k: string) => act(() => input.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true })));
  const options = () => [...node.querySelectorAll('[role="option"]')];
  return { node, input, type, key, options, sent, draftRequested, root };
}

describe('composer slash completion', () => {
  it('finds the slash query only while the command word is typed', () => {
    expect(slashQuery('/')).toBe('');
    expect(slashQuery('/pro')).toBe('pro');
    expect(slashQuery('/profile orders')).toBeNull();
    expect(slashQuery('a /pro')).toBeNull();
  });

  it('lists the matching commands with description and argument hint, as an accessible listbox', () => {
    const { node, input, type, options } = setup();
    type('/');
    const list = node.querySelector('[role="listbox"]')!;
    expect(list.getAttribute('aria-label')).toBe('Slash commands');
    expect(options().map(o => o.textContent)).toEqual(['/etlBuild an ETL step', '/explainExplain the cell', '/profile table=<name>Profile a table']);
    expect(input.getAttribute('aria-expanded')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(options()[0].id);
    type('/e');
    expect(options().map(o => o.querySelector('.jp-DataEngineer-slashName')!.textContent)).toEqual(['/etl', '/explain']);
    type('/zz');
    expect(node.querySelector('[role="listbox"]')).toBeNull();
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });

  it('arrows move the selection, Tab and Enter pick (without sending), Escape closes', () => {
    const { node, input, type, key, options, sent } = setup();
    type('/');
    key('ArrowDown');
    expect(options()[1].getAttribute('aria-selected')).toBe('true');
    key('ArrowUp');
    key('ArrowUp');
    expect(options()[2].getAttribute('aria-selected')).toBe('true');
    key('Tab');
    expect(input.value).toBe('/profile ');
    expect(node.querySelector('[role="listbox"]')).toBeNull();
    type('/ex');
    key('Enter');
    expect(input.value).toBe('/explain ');
    expect(sent).toEqual([]);
    type('/e');
    key('Escape');
    expect(node.querySelector('[role="listbox"]')).toBeNull();
    key('Enter');
    expect(sent).toEqual(['/e']);
  });

  it('takes a hand-off prompt as a draft, and gives a failed command its text back with the reason', async () => {
    const { node, input, type, key, sent, draftRequested } = setup();
    act(() => draftRequested.emit('Review the pipelines'));
    expect(input.value).toBe('Review the pipelines');
    expect(sent).toEqual([]);
    type('/bad orders');
    key('Enter');
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 0));
    });
    expect(sent).toEqual(['/bad orders']);
    expect(input.value).toBe('/bad orders');
    expect(node.querySelector('[role="alert"]')!.textContent).toBe('/bad needs table');
  });
});
