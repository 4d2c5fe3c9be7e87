import * as React from 'react';
import { BUNDLED_PERSONAS } from '../../personas/bundled';
import { handoffOffers } from '../../personas/handoff';
import { PersonaRegistry } from '../../personas/registry';
import { untranslated } from '../../translation';
import { HandoffBar } from '../handoffs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createRoot } = require('react-dom/client');
const act: (work: () => unknown) => any = (React as any).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
const engineer = registry.get('data-engineer')!;
const withUnknown = { ...engineer, handoffs: [...engineer.handoffs, { label: 'Ask the DBA', agent: 'dba' }] };

function mount(width: number | null) {
  const calls: string[] = [];
  const assistant: any = {
    handoffOffers: () => handoffOffers(withUnknown, registry, 'Now switch to the **API Engineer** persona.'),
    handOff: async (handoff: { agent: string }) => calls.push(handoff.agent)
  };
  const observers: any[] = [];
  (globalThis as any).ResizeObserver =
    width === null
      ? undefined
      : class {
          constructor(public callback: (entries: any[]) => void) {
            observers.push(this);
          }
          observe() {
            this.callback([{ contentRect: { width } }]);
          }
          disconnect() {}
        };
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  const turn: any = { id: 'a', role: 'assistant', status: 'done', blocks: [] };
  act(() => root.render(<div><HandoffBar assistant={assistant} turn={turn} trans={untranslated} /></div>));
  return { host, calls };
}

describe('HandoffBar', () => {
  it('shows every hand-off as a small button: tooltip, recommended mark, unknown target disabled', () => {
    const { host, calls } = mount(null);
    const buttons = [...host.querySelectorAll<HTMLButtonElement>('.jp-DataEngineer-handoff')];
    expect(buttons.map(b => b.textContent)).toEqual([
      'Define metrics and KPIs',
      'Build a data API ★',
      'Review security and compliance',
      'Deploy and monitor',
      'Ask the DBA'
    ]);
    expect(buttons[2].title).toMatch(/security and compliance gaps/);
    expect(buttons[1].classList.contains('jp-mod-recommended')).toBe(true);
    expect(buttons[4].disabled).toBe(true);
    expect(buttons[4].title).toContain('No persona "dba"');
    act(() => buttons[2].click());
    expect(calls).toEqual(['security-engineer']);
    expect(host.querySelector('[role="group"]')!.getAttribute('aria-label')).toBe('Next steps');
  });

  it('folds into a Next steps menu in a narrow panel', () => {
    const { host, calls } = mount(180);
    expect(host.querySelectorAll('.jp-DataEngineer-handoff')).toHaveLength(0);
    const toggle = host.querySelector<HTMLButtonElement>('.jp-DataEngineer-handoffMenuToggle')!;
    expect(toggle.textContent).toBe('Next steps (5)');
    act(() => toggle.click());
    const items = [...host.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    expect(items).toHaveLength(5);
    act(() => items[3].click());
    expect(calls).toEqual(['deployment-engineer']);
    expect(host.querySelector('[role="menu"]')).toBeNull();
  });
});
