import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

/** What a slash command turns the composer's text into. */
export interface ISlashExpansion {
  /** The user message sent to the model (shown in the chat as the user's turn). */
  prompt: string;
  /** Extra context attached to that message (labelled, read by the model as data). */
  attachments?: { label: string; text: string }[];
  /** Switch to this persona first (id), keeping the conversation. */
  persona?: string;
  /** Use this model for the request (resolved as persona models are; a list is tried in order). */
  model?: string | string[];
  /** Offer only these tools (persona tool names, ours or VS Code's) for the request, within the persona's. */
  tools?: string[];
}

/**
 * One `/name args` command of the composer. Features register them
 * (`/explain`, `/optimize`, `/etl`, prompt files); the composer completes
 * them as the user types `/`.
 */
export interface ISlashCommand {
  /** Without the slash: `explain`. Letters, digits, `-`, `_`, `.`. */
  name: string;
  /** One line for the completion list. */
  description: string;
  /** Shown after the name in the completion list: `[question]`. */
  argumentHint?: string;
  /**
   * Build the message. `null` means the command did its work itself (opened a
   * dialog, say) and nothing is sent. Throwing shows the error in the chat.
   */
  expand(args: string): Promise<ISlashExpansion | null>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Split `/name rest` into the command name and its arguments (null when not a command). */
export function parseSlash(text: string): { name: string; args: string } | null {
  const match = /^\/([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\s+([\s\S]*))?$/.exec(text.trim());
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
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        const index = this._commands.lastIndexOf(command);
        if (index >= 0) {
          this._commands.splice(index, 1);
          this._changed.emit();
        }
      }
    };
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
