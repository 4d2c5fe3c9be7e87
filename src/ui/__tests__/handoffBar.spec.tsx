// The model for component tests: @testing-library/react renders into document.body (and
// unmounts after each test), queries find elements the way a user does (role, name, text),
// fireEvent clicks inside act(). See docs/testing.md.
import '@testing-library/jest-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { BUNDLED_PERSONAS } from '../../personas/bundled';
import { handoffOffers } from '../../personas/handoff';
import { PersonaRegistry } from '../../personas/registry';
import { untranslated } from '../../translation';
import { HandoffBar } from '../handoffs';

const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
const engineer = registry.get('data-engineer')!;
const withUnknown = {
  ...engineer,
  handoffs: [...engineer.handoffs, { label: 'Ask the DBA', agent: 'dba' }]
};

/** A ResizeObserver that reports `width` once observed (none at all for `null`). */
function panelWidth(width: number | null): void {
  (globalThis as any).ResizeObserver =
    width === null
      ? undefined
      : class {
          constructor(public callback: (entries: any[]) => void) {}
          observe() {
            this.callback([{ contentRect: { width } }]);
          }
          disconnect() {}
        };
}

function renderBar(width: number | null) {
  panelWidth(width);
  const calls: string[] = [];
  const assistant: any = {
    handoffOffers: () =>
      handoffOffers(
        withUnknown,
        registry,
        'Now switch to the **API Engineer** persona.'
      ),
    handOff: async (handoff: { agent: string }) => calls.push(handoff.agent)
  };
  const turn: any = { id: 'a', role: 'assistant', status: 'done', blocks: [] };
  render(
    <div>
      <HandoffBar assistant={assistant} turn={turn} trans={untranslated} />
    </div>
  );
  return { calls };
}

describe('HandoffBar', () => {
  it('shows every hand-off as a small button: tooltip, recommended mark, unknown target disabled', () => {
    const { calls } = renderBar(null);
    const group = screen.getByRole('group', { name: 'Next steps' });
    const buttons = within(group).getAllByRole('button');
    expect(buttons.map(b => b.textContent)).toEqual([
      'Define metrics and KPIs',
      'Build a data API ★',
      'Review security and compliance',
      'Deploy and monitor',
      'Ask the DBA'
    ]);
    expect(buttons[2]).toHaveAttribute(
      'title',
      expect.stringMatching(/security and compliance gaps/)
    );
    expect(buttons[1]).toHaveClass('jp-mod-recommended');
    expect(buttons[4]).toBeDisabled();
    expect(buttons[4].title).toContain('No persona "dba"');
    fireEvent.click(
      screen.getByRole('button', { name: 'Review security and compliance' })
    );
    expect(calls).toEqual(['security-engineer']);
  });

  it('folds into a Next steps menu in a narrow panel', () => {
    const { calls } = renderBar(180);
    expect(document.querySelectorAll('.jp-DataEngineer-handoff')).toHaveLength(
      0
    );
    const toggle = screen.getByRole('button', { name: 'Next steps (5)' });
    fireEvent.click(toggle);
    const items = within(screen.getByRole('menu')).getAllByRole('menuitem');
    expect(items).toHaveLength(5);
    fireEvent.click(items[3]);
    expect(calls).toEqual(['deployment-engineer']);
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
  });
});
