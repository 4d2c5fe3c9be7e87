import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { ISlashCommand, ISlashExpansion } from '../tokens';

export type { ISlashCommand, ISlashExpansion };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Split `/name rest` into the command name and its arguments (null when not a command). */
export function parseSlash(
  text: string
): { name: string; args: string } | null {
  const match = /^\/([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\s+([\s\S]*))?$/.exec(
    text.trim()
  );
  return match ? { name: match[1], args: (match[2] ?? '').trim() } : null;
}

/** Options of `SlashCommandRegistry.add`. */
export interface ISlashCommandSource {
  /**
   * A command from a workspace file (a prompt file): it never shadows a
   * built-in command (the chat's families', other extensions') of the same
   * name, whatever the order of registration.
   */
  workspace?: boolean;
}

/**
 * The registry of slash commands. A later registration of the same name wins
 * until disposed, except that a workspace command never wins over a built-in one.
 */
export class SlashCommandRegistry {
  /** A command was added or removed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  add(command: ISlashCommand, source: ISlashCommandSource = {}): IDisposable {
    if (!NAME.test(command.name)) {
      throw new Error(`Invalid slash command name "${command.name}"`);
    }
    const entry = { command, workspace: !!source.workspace };
    this._commands.push(entry);
    this._changed.emit();
    return new DisposableDelegate(() => {
      const index = this._commands.lastIndexOf(entry);
      if (index >= 0) {
        this._commands.splice(index, 1);
        this._changed.emit();
      }
    });
  }

  /** Whether a built-in (not workspace) command has this name. */
  isBuiltIn(name: string): boolean {
    const lower = name.toLowerCase();
    return this._commands.some(
      entry => !entry.workspace && entry.command.name.toLowerCase() === lower
    );
  }

  get(name: string): ISlashCommand | undefined {
    const lower = name.toLowerCase();
    let workspace: ISlashCommand | undefined;
    for (let i = this._commands.length - 1; i >= 0; i--) {
      const entry = this._commands[i];
      if (entry.command.name.toLowerCase() !== lower) {
        continue;
      }
      if (!entry.workspace) {
        return entry.command;
      }
      workspace ??= entry.command;
    }
    return workspace;
  }

  /** The commands whose name starts with `prefix` (case-insensitive), one per name, sorted. */
  list(prefix = ''): ISlashCommand[] {
    const lower = prefix.toLowerCase();
    const names = new Set(
      this._commands.map(entry => entry.command.name.toLowerCase())
    );
    return [...names]
      .filter(name => name.startsWith(lower))
      .map(name => this.get(name)!)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private _commands: { command: ISlashCommand; workspace: boolean }[] = [];
  private _changed = new Signal<this, void>(this);
}
