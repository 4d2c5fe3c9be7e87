import { messageOf } from '../errorText';
import { ISignal, Signal } from '@lumino/signaling';
import {
  frontMatterParserLoaded,
  IFrontMatter,
  loadFrontMatterParser
} from './frontMatter';
import {
  IPersona,
  isForCodingAgent,
  MAX_PERSONA_BYTES,
  parsePersona,
  tooLargeReason
} from './persona';
import { personaIdFromFileName } from './names';
import {
  hiddenFolderHint,
  IPersonaContents,
  IPersonaFileEntry,
  isHiddenRefusal,
  isNotFound,
  IWorkspaceFolder,
  personaFolders
} from './workspaceFolders';

/** The persona chosen when none is. */
export const DEFAULT_PERSONA_ID = 'data-engineer';

/** A persona file shipped with the extension. */
export interface IBundledPersonaFile {
  id: string;
  path: string;
  text: string;
  /**
   * Its front matter, parsed at build time (bundledFrontMatter.ts): then
   * drawing the chat needs no YAML parser.
   */
  frontMatter?: IFrontMatter;
}

/** Something the user should know about a persona file or folder. */
export interface IPersonaProblem {
  path: string;
  reason: string;
  /** hidden: a folder the server refuses; invalid: a malformed file (skipped);
   * unreadable: a file or folder that could not be read; shadowed: same id as a file that won;
   * refused: a file not read (symlink out of the root, sensitive path, not a regular file, too big);
   * renamed: a workspace persona with a bundled persona's id, offered under another id. */
  kind:
    'hidden' | 'invalid' | 'unreadable' | 'shadowed' | 'refused' | 'renamed';
}

export interface IPersonaRegistryOptions {
  bundled: readonly IBundledPersonaFile[];
  /** Workspace access; without it only bundled personas exist. */
  contents?: IPersonaContents | null;
  /** Id of the default persona (data-engineer). */
  defaultId?: string;
  /** Extra folders to read persona files from (the `agentFilesLocations` setting). */
  extraFolders?: () => readonly string[];
}

/**
 * Bundled personas plus the workspace's own (`.github/chatmodes`,
 * `.github/agents`, `.jupyter/personas`). A workspace file cannot replace a
 * bundled persona: one with a bundled id is offered as `<id>-workspace`
 * (named "... (workspace)") and listed in `problems`. Malformed files are
 * skipped and listed in `problems`.
 */
export class PersonaRegistry {
  constructor(options: IPersonaRegistryOptions) {
    this._contents = options.contents ?? null;
    this._defaultId = options.defaultId ?? DEFAULT_PERSONA_ID;
    this._extraFolders = options.extraFolders ?? (() => []);
    const parse = (files: readonly IBundledPersonaFile[]) => {
      for (const file of files) {
        const origin = {
          id: file.id,
          path: file.path,
          source: 'bundled' as const
        };
        const result = parsePersona(file.text, origin, file.frontMatter);
        if (result.ok) {
          this._bundled.set(file.id, result.persona);
        } else {
          this._bundledProblems.push({
            path: file.path,
            reason: result.error,
            kind: 'invalid'
          });
        }
      }
    };
    // Files without parsed front matter wait for the parser (load() awaits them).
    const later = frontMatterParserLoaded()
      ? []
      : options.bundled.filter(file => !file.frontMatter);
    parse(options.bundled.filter(file => !later.includes(file)));
    if (later.length) {
      this._bundledReady = loadFrontMatterParser().then(
        () => {
          parse(later);
          this._changed.emit();
        },
        error => {
          const reason = `Could not load the front matter parser: ${messageOf(error)}`;
          later.forEach(file =>
            this._bundledProblems.push({
              path: file.path,
              reason,
              kind: 'unreadable'
            })
          );
        }
      );
    }
  }

  /** Emitted after each load(). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Hidden folders, malformed and unreadable files found by the last load. */
  get problems(): readonly IPersonaProblem[] {
    return [...this._bundledProblems, ...this._workspaceProblems];
  }

  /** Read the workspace personas again; resolves when done (never rejects). */
  async load(): Promise<void> {
    const generation = ++this._generation;
    await this._bundledReady;
    const personas = new Map<string, IPersona>();
    let problems: IPersonaProblem[] = [];
    if (this._contents) {
      // Folders and files are read in parallel; results are merged in folder order.
      const folders = await Promise.all(
        personaFolders(this._extraFolders()).map(folder =>
          this._loadFolder(folder)
        )
      );
      for (const result of folders.flat()) {
        if (result.problem) {
          problems.push(result.problem);
        }
        if (!result.persona) {
          continue;
        }
        const persona = result.persona;
        const previous = personas.get(persona.id);
        if (previous) {
          problems.push({
            path: previous.path,
            reason: `Ignored: persona "${persona.id}" is also defined in ${persona.path}, which is used`,
            kind: 'shadowed'
          });
        }
        personas.set(persona.id, persona);
      }
      // One hint per hidden top folder (.github holds two persona folders).
      problems = problems.filter(
        (problem, index) =>
          problem.kind !== 'hidden' ||
          problems.findIndex(other => other.reason === problem.reason) === index
      );
    }
    // A newer load() started meanwhile: its result is the one to keep.
    if (generation !== this._generation) {
      return;
    }
    this._workspace = personas;
    this._workspaceProblems = problems;
    this._changed.emit();
  }

  /** Every persona, the default first, then by name. */
  all(): IPersona[] {
    const merged = new Map(this._workspace);
    // Bundled personas cannot be shadowed (workspace files with their ids are renamed on load).
    this._bundled.forEach((persona, id) => merged.set(id, persona));
    return [...merged.values()].sort((a, b) => {
      if ((a.id === this._defaultId) !== (b.id === this._defaultId)) {
        return a.id === this._defaultId ? -1 : 1;
      }
      return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
    });
  }

  /**
   * The personas the picker offers: not those hidden by `user-invocable:
   * false` (still usable as subagents) nor those for GitHub's coding agent.
   */
  selectable(): IPersona[] {
    return this.all().filter(
      persona => persona.userInvocable !== false && !isForCodingAgent(persona)
    );
  }

  /** The persona with this id (a bundled one is never shadowed by a workspace file). */
  get(id: string): IPersona | undefined {
    return this._bundled.get(id) ?? this._workspace.get(id);
  }

  /** The default persona, else the first one; null only when there is none at all. */
  defaultPersona(): IPersona | null {
    return (
      this.get(this._defaultId) ?? this.selectable()[0] ?? this.all()[0] ?? null
    );
  }

  private async _loadFolder(folder: IWorkspaceFolder): Promise<ILoaded[]> {
    let entries: IPersonaFileEntry[];
    try {
      const listed = await this._contents!.listDirectory(folder.path);
      entries = Array.isArray(listed) ? listed : [];
    } catch (error) {
      if (isHiddenRefusal(error)) {
        const top = folder.path.split('/')[0];
        return [
          {
            problem: {
              path: top,
              reason: hiddenFolderHint(folder.path),
              kind: 'hidden'
            }
          }
        ];
      }
      if (isNotFound(error)) {
        return [];
      }
      const reason = `Could not list the folder: ${messageOf(error)}`;
      return [{ problem: { path: folder.path, reason, kind: 'unreadable' } }];
    }
    const files = entries
      .filter(
        entry =>
          entry.type === 'file' &&
          entry.name.toLowerCase().endsWith(folder.suffix)
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    let refused = new Map<string, string>();
    if (files.length && this._contents!.refused) {
      refused = await this._contents!.refused(files.map(entry => entry.path));
    }
    return Promise.all(
      files.map(entry => {
        const reason = refused.get(entry.path);
        return reason
          ? { problem: { path: entry.path, reason, kind: 'refused' as const } }
          : this._loadFile(entry, folder);
      })
    );
  }

  private async _loadFile(
    entry: IPersonaFileEntry,
    folder: IWorkspaceFolder
  ): Promise<ILoaded> {
    const invalid = (reason: string): ILoaded => ({
      problem: { path: entry.path, reason, kind: 'invalid' }
    });
    const fileId = personaIdFromFileName(entry.name);
    if (!fileId) {
      return invalid('The file name gives no persona id');
    }
    // A bundled persona cannot be replaced by a file of the repository: the
    // file is offered under its own id (see workspacePersonaId).
    const renamed = this._bundled.has(fileId);
    const id = renamed ? workspacePersonaId(fileId) : fileId;
    if (typeof entry.size === 'number' && entry.size > MAX_PERSONA_BYTES) {
      return invalid(tooLargeReason(entry.size));
    }
    let text: string;
    try {
      text = await this._contents!.readFile(entry.path);
    } catch (error) {
      const reason = `Could not read the file: ${messageOf(error)}`;
      return { problem: { path: entry.path, reason, kind: 'unreadable' } };
    }
    try {
      await loadFrontMatterParser();
    } catch (error) {
      return {
        problem: {
          path: entry.path,
          reason: `Could not load the front matter parser: ${messageOf(error)}`,
          kind: 'unreadable'
        }
      };
    }
    const result = parsePersona(text, {
      id,
      path: entry.path,
      source: 'workspace',
      format: folder.format
    });
    if (!result.ok) {
      return invalid(result.error);
    }
    if (!renamed) {
      return { persona: result.persona };
    }
    const persona = {
      ...result.persona,
      name: `${result.persona.name} (workspace)`
    };
    return {
      persona,
      problem: {
        path: entry.path,
        reason: `"${fileId}" is a bundled persona, which a workspace file cannot replace: this file is offered as "${id}" (${persona.name})`,
        kind: 'renamed'
      }
    };
  }

  private _contents: IPersonaContents | null;
  private _defaultId: string;
  private _extraFolders: () => readonly string[];
  private _bundled = new Map<string, IPersona>();
  private _bundledProblems: IPersonaProblem[] = [];
  private _workspace = new Map<string, IPersona>();
  private _workspaceProblems: IPersonaProblem[] = [];
  private _generation = 0;
  private _bundledReady: Promise<void> = Promise.resolve();
  private _changed = new Signal<this, void>(this);
}

/**
 * The id a workspace persona file gets when its file name is a bundled
 * persona's id: `data-engineer.md` -> `data-engineer-workspace`.
 */
export function workspacePersonaId(id: string): string {
  return `${id}-workspace`;
}

/** A persona read from the workspace, or why not (a renamed one has both). */
interface ILoaded {
  persona?: IPersona;
  problem?: IPersonaProblem;
}
