// Runs in jest's jsdom environment (no TextEncoder, JupyterLab's shim loaded), closer to the browser.
import { BUNDLED_PERSONAS } from '../bundled';
import { detectHandoffs } from '../handoff';
import { PersonaRegistry } from '../registry';

describe('persona core under jsdom', () => {
  it('parses the bundled personas and detects a handoff', () => {
    const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
    expect(registry.problems).toEqual([]);
    const persona = registry.defaultPersona()!;
    expect(persona.id).toBe('data-engineer');
    const found = detectHandoffs(
      'Done. Switch to **Business Analyst** to define the KPIs.',
      persona,
      registry
    );
    expect(found.map(handoff => handoff.agent)).toEqual(['business-analyst']);
  });
});
