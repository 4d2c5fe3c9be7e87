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
  return makeTargets(text).map(target => ({
    label: `make: ${target.name}`,
    source: 'Makefile' as const,
    commandLine: `make${flag} ${target.name}`,
    cwd: folder,
    env: {},
    dependsOn: [],
    ...(target.description ? { detail: target.description } : {})
  }));
}
