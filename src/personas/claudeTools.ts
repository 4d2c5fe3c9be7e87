/**
 * Claude Code's tool names (`.claude/agents/*.md`: `tools: Read, Grep, Bash`)
 * and what they mean here, as names `resolveTools` understands (our tool and
 * group names). Names with no equivalent stay as written, so the persona
 * details list them as "not available in JupyterLab".
 */
const CLAUDE_TOOLS: Readonly<Record<string, readonly string[]>> = {
  read: ['read_file', 'notebook-read'],
  grep: ['files-search'],
  glob: ['find_files', 'list_directory'],
  ls: ['list_directory'],
  edit: ['edit_file'],
  multiedit: ['edit_file'],
  write: ['write_file'],
  notebookedit: ['notebook-edit'],
  notebookread: ['notebook-read'],
  // Claude's delegation tool is VS Code's `agent`: the subagent tool here.
  task: ['agent'],
  agent: ['agent'],
  // Claude's shell runs in the chat's terminal here (withheld, with the reason, when the server has no terminals).
  bash: ['run_command']
};

/** Split a Claude tool list (`"Read, Grep"` or a YAML list) and translate each name. */
export function claudeToolNames(value: string | readonly string[]): string[] {
  const names = (typeof value === 'string' ? value.split(',') : value)
    .map(name => name.trim())
    .filter(Boolean);
  const out: string[] = [];
  const add = (name: string) => {
    if (!out.includes(name)) {
      out.push(name);
    }
  };
  for (const name of names) {
    // `Bash(git diff:*)`: the permission pattern narrows the tool; the tool is what counts here.
    const bare = name.replace(/\(.*\)$/, '').trim();
    const key = bare.toLowerCase();
    const mapped = Object.prototype.hasOwnProperty.call(CLAUDE_TOOLS, key)
      ? CLAUDE_TOOLS[key]
      : undefined;
    (mapped ?? [bare]).forEach(add);
  }
  return out;
}
