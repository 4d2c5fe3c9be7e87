/** @jest-environment node */
import { buildSystemPrompt, DEFAULT_SYSTEM_PROMPT } from '../prompt';
import { IInstructionFile } from '../../instructions/instructions';
import { BUNDLED_PERSONAS } from '../../personas/bundled';
import { parsePersona } from '../../personas/persona';

const persona = (() => {
  const file = BUNDLED_PERSONAS.find(p => p.id === 'data-engineer')!;
  const result = parsePersona(file.text, {
    id: file.id,
    path: file.path,
    source: 'bundled'
  });
  if (!result.ok) {
    throw new Error(result.error);
  }
  return result.persona;
})();

const instructions: IInstructionFile[] = [
  {
    path: 'copilot.instructions.md',
    kind: 'project',
    text: '# Database\nPostgreSQL and DuckDB',
    lastModified: 't'
  },
  {
    path: '.github/instructions/sql.instructions.md',
    kind: 'scoped',
    applyTo: '**/*.sql',
    text: 'Uppercase keywords',
    lastModified: 't'
  }
];

describe('buildSystemPrompt', () => {
  it('puts persona, then instructions, then context, with the cache breakpoint before the context', () => {
    const blocks = buildSystemPrompt({
      personaBody: persona.body,
      instructions,
      context: '## Active notebook\nanalysis.ipynb'
    });
    expect(blocks).toHaveLength(3);
    expect(blocks[0].text.startsWith(persona.body.trim())).toBe(true);
    expect(blocks[1].text).toContain(
      '# Project instructions from `copilot.instructions.md`'
    );
    expect(blocks[1].text.indexOf('PostgreSQL')).toBeLessThan(
      blocks[1].text.indexOf('Uppercase')
    );
    expect(blocks[1].text).toContain('(applies to `**/*.sql`)');
    expect(blocks[2].text).toContain('analysis.ipynb');
    expect(blocks.map(b => b.cache_control ?? null)).toEqual([
      null,
      { type: 'ephemeral' },
      null
    ]);
  });

  it('is byte-identical across turns when only the context changes', () => {
    const turn1 = buildSystemPrompt({
      personaBody: persona.body,
      instructions,
      context: 'turn one'
    });
    const turn2 = buildSystemPrompt({
      personaBody: persona.body,
      instructions,
      context: 'turn two, longer'
    });
    expect(JSON.stringify(turn1.slice(0, 2))).toBe(
      JSON.stringify(turn2.slice(0, 2))
    );
    expect(turn1[2].text).not.toBe(turn2[2].text);
  });

  it('says when the project has no instructions, and falls back without a persona', () => {
    const blocks = buildSystemPrompt({
      personaBody: null,
      instructions: [],
      missingProjectFile: true
    });
    expect(blocks[0].text).toContain(DEFAULT_SYSTEM_PROMPT);
    expect(blocks[1].text).toContain('no `copilot.instructions.md`');
    expect(blocks[1].cache_control).toEqual({ type: 'ephemeral' });
  });

  it('notes a truncated instruction file', () => {
    const [, block] = buildSystemPrompt({
      personaBody: 'P',
      instructions: [
        { ...instructions[0], notice: 'truncated to the first 64 KB of 80 KB' }
      ]
    });
    expect(block.text).toContain(
      '_Note: truncated to the first 64 KB of 80 KB._'
    );
  });
});
