import type { IWorkspaceTask } from './tasksJson';

/**
 * The targets of a Makefile, read the way people read one: explicit rule
 * targets at the start of a line, not special targets (`.PHONY`), pattern
 * rules (`%.o`), variable assignments (`X := y`) or recipe lines. A
 * `## text` comment after the rule (the common "make help" convention) or
 * a `#` comment line right above it becomes the description.
 */

export interface IMakeTarget {
  name: string;
  description?: string;
}

/** Explicit targets in order of appearance, each once. */
export function makeTargets(text: string): IMakeTarget[] {
  const targets: IMakeTarget[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let comment: string | undefined;
  for (const line of lines) {
    if (line.startsWith('\t')) {
      continue; // recipe
    }
    const commentLine = /^#+\s?(.*)$/.exec(line);
    if (commentLine) {
      comment = commentLine[1].trim() || comment;
      continue;
    }
    const rule =
      /^([^:=#\s][^:=#]*?)\s*::?(?![=])([^=]*)$/.exec(line) ??
      /^([^:=#\s][^:=#]*?)\s*::?(?![=])(.*)$/.exec(line);
    if (
      !rule ||
      /^\s*(?:export|override|define|endef|include|-include|ifeq|ifneq|ifdef|ifndef|else|endif)\b/.test(
        line
      )
    ) {
      comment = undefined;
      continue;
    }
    // `target: VAR = value` is a target-specific variable, still a target.
    const rest = rule[2];
    const help = /##\s*(.*)$/.exec(rest)?.[1]?.trim();
    for (const name of rule[1].split(/\s+/)) {
      if (
        !name ||
        name.startsWith('.') ||
        name.includes('%') ||
        name.includes('$') ||
        seen.has(name)
      ) {
        continue;
      }
      seen.add(name);
      targets.push({
        name,
        ...(help || comment ? { description: help || comment } : {})
      });
    }
    comment = undefined;
  }
  return targets;
}

/** At most this many recipe lines are shown on a card. */
export const MAX_RECIPE_LINES = 120;

interface IRule {
  prerequisites: string[];
  recipe: string[];
}

/** Rules by target: prerequisites and recipe lines as written (continuations joined). */
function makeRules(text: string): Map<string, IRule> {
  const rules = new Map<string, IRule>();
  const lines = text.split(/\r?\n/);
  let current: IRule[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${lines[++i].trim()}`;
    }
    if (line.startsWith('\t')) {
      const command = line.slice(1).trim();
      if (command) {
        current.forEach(rule => rule.recipe.push(command));
      }
      continue;
    }
    if (!line.trim() || /^\s*#/.test(line)) {
      continue;
    }
    const match = /^([^:=#\s][^:=#]*?)\s*::?(?![=])(.*)$/.exec(line);
    if (
      !match ||
      /^\s*(?:export|override|define|endef|include|-include|ifeq|ifneq|ifdef|ifndef|else|endif)\b/.test(
        line
      ) ||
      /^\s*[^=]*?=/.test(match[2]) // `target: VAR = value`, a target-specific variable
    ) {
      current = [];
      continue;
    }
    const [deps, inline] = match[2].split(/;(.*)/s);
    const prerequisites = deps
      .replace(/##.*$|#.*$/, '')
      .split('|')[0]
      .split(/\s+/)
      .filter(Boolean);
    current = match[1]
      .split(/\s+/)
      .filter(Boolean)
      .map(name => {
        const rule = rules.get(name) ?? { prerequisites: [], recipe: [] };
        rule.prerequisites.push(
          ...prerequisites.filter(p => !rule.prerequisites.includes(p))
        );
        rules.set(name, rule);
        return rule;
      });
    if (inline?.trim()) {
      current.forEach(rule => rule.recipe.push(inline.trim()));
    }
  }
  return rules;
}

/**
 * What `make <target>` would run, read from the Makefile's text: the recipes of the
 * prerequisites that have rules in the file (first, in make's order), then the target's own,
 * as written (variables unexpanded). The Makefile is not run to find them: `make -n` still
 * runs `$(shell …)` calls and `+` lines, which would run a cloned repository's code before the
 * user has approved anything.
 */
export function makeRecipe(
  text: string,
  target: string
): { lines: string[]; truncated: boolean } {
  const rules = makeRules(text);
  const lines: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const rule = rules.get(name);
    if (!rule || seen.has(name)) {
      return;
    }
    seen.add(name);
    rule.prerequisites.forEach(visit);
    lines.push(
      `${name}:${rule.prerequisites.length ? ` ${rule.prerequisites.join(' ')}` : ''}`
    );
    rule.recipe.forEach(command => lines.push(`\t${command}`));
  };
  visit(target);
  return {
    lines: lines.slice(0, MAX_RECIPE_LINES),
    truncated: lines.length > MAX_RECIPE_LINES
  };
}

/** The commands of recipe lines without make's `@`, `-` and `+` prefixes (for the risk check). */
export function recipeCommands(recipe: readonly string[]): string[] {
  return recipe
    .filter(line => line.startsWith('\t'))
    .map(line => line.slice(1).replace(/^[@+-]+\s*/, ''));
}

/** Makefile targets as tasks (`make <target>` in the Makefile's folder). */
export function makeTasks(
  text: string,
  folder: string,
  file = 'Makefile'
): IWorkspaceTask[] {
  const flag =
    file === 'Makefile' || file === 'makefile' || file === 'GNUmakefile'
      ? ''
      : ` -f ${file}`;
  return makeTargets(text).map(target => {
    const recipe = makeRecipe(text, target.name);
    return {
      label: `make: ${target.name}`,
      source: 'Makefile' as const,
      commandLine: `make${flag} ${target.name}`,
      cwd: folder,
      env: {},
      dependsOn: [],
      recipe: recipe.lines,
      ...(recipe.truncated ? { recipeTruncated: true } : {}),
      ...(target.description ? { detail: target.description } : {})
    };
  });
}
