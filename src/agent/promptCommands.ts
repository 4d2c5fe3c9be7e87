import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { messageOf } from '../errorText';
import { loadFrontMatterParser } from '../personas/frontMatter';
import {
  IPromptContext,
  IPromptFile,
  parsePromptFile,
  PROMPT_FOLDER,
  PROMPT_SUFFIX,
  substitutePromptVariables
} from '../personas/promptFiles';
import type { IPersonaContents } from '../personas/workspaceFolders';
import {
  hiddenFolderHint,
  isHiddenRefusal,
  isNotFound
} from '../personas/workspaceFolders';
import type { ISlashExpansion, SlashCommandRegistry } from './slashCommands';

/** A prompt file that could not be used, and why. */
export interface IPromptProblem {
  path: string;
  reason: string;
}

export interface IPromptCommandsOptions {
  contents: IPersonaContents;
  slashCommands: SlashCommandRegistry;
  /** The active notebook / file, cell and selection when a command runs. */
  context: () => IPromptContext | Promise<IPromptContext>;
  /** Whether a persona id exists (a prompt naming an unknown one is refused when it runs). */
  hasPersona: (id: string) => boolean;
}

/**
 * The name a prompt file is offered under when a built-in command has its
 * own: `optimize.prompt.md` -> `/optimize-workspace`.
 */
export function workspaceCommandName(name: string): string {
  return `${name}-workspace`;
}

/** The expansion of a prompt file's `/name args` (exported for tests). */
export function expandPromptFile(
  prompt: IPromptFile,
  args: string,
  context: IPromptContext
): ISlashExpansion {
  const { text, rest } = substitutePromptVariables(prompt, args, context);
  const expansion: ISlashExpansion = {
    prompt: rest ? `${text}\n\n${rest}` : text
  };
  if (prompt.persona) {
    expansion.persona = prompt.persona;
  }
  if (prompt.models.length) {
    expansion.model =
      prompt.models.length === 1 ? prompt.models[0] : prompt.models;
  }
  if (prompt.askOnly && !prompt.tools) {
    expansion.tools = [];
  } else if (prompt.tools) {
    expansion.tools = prompt.tools;
  }
  return expansion;
}

/**
 * `.github/prompts/*.prompt.md` as slash commands (`/profile` for
 * `profile.prompt.md`), read again on each load(); the commands of the
 * previous load are removed first.
 */
export class PromptFileCommands {
  constructor(options: IPromptCommandsOptions) {
    this._options = options;
    // A built-in command added later (another family, another extension)
    // moves a prompt file of the same name to its workspace name.
    options.slashCommands.changed.connect(this._sync, this);
  }

  /** The commands registered, as typed (`/name`), with their files. */
  get commands(): readonly { name: string; path: string }[] {
    return this._commands;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Files that were skipped or renamed, with the reason. */
  get problems(): readonly IPromptProblem[] {
    return [...this._problems, ...this._clashes];
  }

  get prompts(): readonly IPromptFile[] {
    return this._prompts;
  }

  /** Read the prompt folder again and register its commands; never rejects. */
  async load(): Promise<void> {
    const generation = ++this._generation;
    const prompts: IPromptFile[] = [];
    const problems: IPromptProblem[] = [];
    try {
      const entries = await this._options.contents.listDirectory(PROMPT_FOLDER);
      const files = (Array.isArray(entries) ? entries : [])
        .filter(
          entry =>
            entry.type === 'file' &&
            entry.name.toLowerCase().endsWith(PROMPT_SUFFIX)
        )
        .sort((a, b) => a.name.localeCompare(b.name));
      const refused =
        files.length && this._options.contents.refused
          ? await this._options.contents.refused(files.map(entry => entry.path))
          : new Map<string, string>();
      const read = await Promise.all(
        files.map(async entry => {
          const reason = refused.get(entry.path);
          if (reason) {
            return { entry, error: reason };
          }
          try {
            return {
              entry,
              text: await this._options.contents.readFile(entry.path)
            };
          } catch (error) {
            return {
              entry,
              error: `Could not read the file: ${messageOf(error)}`
            };
          }
        })
      );
      if (read.length) {
        // The YAML parser loads with the first prompt file, not to draw the chat.
        await loadFrontMatterParser();
      }
      for (const item of read) {
        if (item.error !== undefined) {
          problems.push({ path: item.entry.path, reason: item.error });
          continue;
        }
        const result = parsePromptFile(item.text!, item.entry.path);
        if (result.ok) {
          prompts.push(result.prompt);
        } else {
          problems.push({ path: item.entry.path, reason: result.error });
        }
      }
    } catch (error) {
      if (isHiddenRefusal(error)) {
        problems.push({
          path: PROMPT_FOLDER,
          reason: hiddenFolderHint(PROMPT_FOLDER).replace(
            'Workspace personas',
            'Prompt files'
          )
        });
      } else if (!isNotFound(error)) {
        problems.push({
          path: PROMPT_FOLDER,
          reason: `Could not list the folder: ${messageOf(error)}`
        });
      }
    }
    if (generation !== this._generation) {
      return;
    }
    this._prompts = prompts;
    this._problems = problems;
    this._apply(true);
  }

  dispose(): void {
    this._options.slashCommands.changed.disconnect(this._sync, this);
    this._unregister();
  }

  /**
   * The name each prompt file is offered under: its own, or, when a built-in
   * command has it, `<name>-workspace` (built-in commands cannot be
   * shadowed by a file of the repository); null when that is taken too.
   */
  private _plan(): { prompt: IPromptFile; name: string | null }[] {
    const registry = this._options.slashCommands;
    const own = new Set(this._prompts.map(prompt => prompt.name));
    return this._prompts.map(prompt => {
      if (!registry.isBuiltIn(prompt.name)) {
        return { prompt, name: prompt.name };
      }
      const renamed = workspaceCommandName(prompt.name);
      return {
        prompt,
        name: registry.isBuiltIn(renamed) || own.has(renamed) ? null : renamed
      };
    });
  }

  /** Register the prompt files as planned; `force`: even when the names did not change. */
  private _apply(force: boolean): void {
    const plan = this._plan();
    const key = plan.map(item => `${item.prompt.path}=${item.name}`).join('|');
    if (!force && key === this._planKey) {
      return;
    }
    this._planKey = key;
    this._syncing = true;
    try {
      this._unregister();
      this._commands = [];
      this._clashes = [];
      for (const { prompt, name } of plan) {
        if (name !== prompt.name) {
          this._clashes.push({
            path: prompt.path,
            reason: name
              ? `/${prompt.name} is a built-in command, which a prompt file cannot replace: this file is offered as /${name}`
              : `/${prompt.name} is a built-in command, which a prompt file cannot replace, and /${workspaceCommandName(prompt.name)} is taken too: rename the file`
          });
        }
        if (name) {
          this._registered.push(this._register(prompt, name));
          this._commands.push({ name, path: prompt.path });
        }
      }
    } finally {
      this._syncing = false;
    }
    this._changed.emit();
  }

  private _sync(): void {
    if (!this._syncing) {
      this._apply(false);
    }
  }

  private _unregister(): void {
    this._registered.forEach(registration => registration.dispose());
    this._registered = [];
  }

  private _register(prompt: IPromptFile, name: string): IDisposable {
    const named = { ...prompt, name };
    return this._options.slashCommands.add(
      {
        name,
        description: prompt.description || `Prompt file ${prompt.path}`,
        argumentHint: prompt.argumentHint,
        expand: async args => {
          if (prompt.persona && !this._options.hasPersona(prompt.persona)) {
            throw new Error(
              `/${name}: ${prompt.path} names the persona "${prompt.persona}", which does not exist here`
            );
          }
          return expandPromptFile(named, args, await this._options.context());
        }
      },
      { workspace: true }
    );
  }

  private _options: IPromptCommandsOptions;
  private _prompts: IPromptFile[] = [];
  private _problems: IPromptProblem[] = [];
  private _registered: IDisposable[] = [];
  private _commands: { name: string; path: string }[] = [];
  private _clashes: IPromptProblem[] = [];
  private _planKey = '';
  private _syncing = false;
  private _generation = 0;
  private _changed = new Signal<this, void>(this);
}
