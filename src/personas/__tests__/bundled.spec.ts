/** @jest-environment node */
import { BUNDLED_PERSONAS } from '../bundled';
import { parseFrontMatter } from '../frontMatter';
import { parsePersona } from '../persona';
import { resolveTools } from '../toolMapping';
import { registryOfAllTools } from '../../__tests__/allTools';

const parsed = BUNDLED_PERSONAS.map(file => ({
  file,
  result: parsePersona(file.text, {
    id: file.id,
    path: file.path,
    source: 'bundled'
  })
}));

describe('bundled personas', () => {
  it('ships the five personas', () => {
    expect(BUNDLED_PERSONAS.map(file => file.id).sort()).toEqual([
      'api-engineer',
      'business-analyst',
      'data-engineer',
      'deployment-engineer',
      'security-engineer'
    ]);
  });

  describe.each(parsed.map(entry => [entry.file.id, entry] as const))(
    '%s',
    (_, { file, result }) => {
      it('parses with name, description, tools, model and a body', () => {
        if (!result.ok) {
          throw new Error(`${file.path}: ${result.error}`);
        }
        const persona = result.persona;
        expect(persona.id).toBe(file.id);
        expect(persona.source).toBe('bundled');
        expect(persona.name.trim()).not.toBe('');
        expect(persona.description.trim().length).toBeGreaterThan(20);
        expect(Array.isArray(persona.tools)).toBe(true);
        expect(persona.tools!.length).toBeGreaterThan(0);
        expect(typeof persona.model).toBe('string');
        expect(persona.body.trim().length).toBeGreaterThan(200);
        // Its tools mean something here.
        expect(
          resolveTools(persona.tools, registryOfAllTools()).groups.size
        ).toBeGreaterThan(0);
      });

      it('hands off only to bundled personas', () => {
        const ids = new Set(BUNDLED_PERSONAS.map(other => other.id));
        if (result.ok) {
          result.persona.handoffs.forEach(handoff =>
            expect(ids).toContain(handoff.agent)
          );
        }
      });
    }
  );

  it('data-engineer hands off to the four other personas', () => {
    const entry = parsed.find(({ file }) => file.id === 'data-engineer')!;
    expect(entry.result.ok).toBe(true);
    const handoffs = entry.result.ok ? entry.result.persona.handoffs : [];
    expect(handoffs).toHaveLength(4);
    expect(handoffs.map(handoff => handoff.agent).sort()).toEqual([
      'api-engineer',
      'business-analyst',
      'deployment-engineer',
      'security-engineer'
    ]);
    handoffs.forEach(handoff => expect(handoff.label.trim()).not.toBe(''));
  });
});

describe('bundled front matter parsed at build time (bundledFrontMatter.ts)', () => {
  it.each(BUNDLED_PERSONAS.map(file => [file.path, file] as const))(
    'matches what the YAML parser reads from %s (else run npm run build:personas)',
    (_, file) => {
      expect(file.frontMatter).toEqual(parseFrontMatter(file.text));
      expect(
        parsePersona(
          file.text,
          { id: file.id, path: file.path, source: 'bundled' },
          file.frontMatter
        )
      ).toEqual(
        parsePersona(file.text, {
          id: file.id,
          path: file.path,
          source: 'bundled'
        })
      );
    }
  );
});
