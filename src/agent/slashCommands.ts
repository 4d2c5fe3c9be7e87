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

/** The registry of slash commands. A later registration of the same name wins until disposed. */
export class SlashCommandRegistry {
  /** A command was added or removed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  add(command: ISlashCommand): IDisposable {
    if (!NAME.test(command.name)) {
      throw new Error(`Invalid slash command name "${command.name}"`);
    }
    this._commands.push(command);
    this._changed.emit();
    return new DisposableDelegate(() => {
      const index = this._commands.lastIndexOf(command);
      if (index >= 0) {
        this._commands.splice(index, 1);
        this._changed.emit();
      }
    });
  }

  get(name: string): ISlashCommand | undefined {
    const lower = name.toLowerCase();
    for (let i = this._commands.length - 1; i >= 0; i--) {
      if (this._commands[i].name.toLowerCase() === lower) {
        return this._commands[i];
      }
    }
    return undefined;
  }

  /** The commands whose name starts with `prefix` (case-insensitive), one per name, sorted. */
  list(prefix = ''): ISlashCommand[] {
    const seen = new Map<string, ISlashCommand>();
    for (const command of this._commands) {
      seen.set(command.name.toLowerCase(), command);
    }
    const lower = prefix.toLowerCase();
    return [...seen.values()]
      .filter(command => command.name.toLowerCase().startsWith(lower))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private _commands: ISlashCommand[] = [];
  private _changed = new Signal<this, void>(this);
}
