/**
 * The public API of jupyterlab-data-engineer: the tokens other extensions
 * (and our own features) `require` to talk to the chat, add tools, draw tool
 * results and add persona folders. Everything here is light: interfaces,
 * and tokens whose providers exist from start-up; the chat itself loads on
 * first use.
 *
 * A tool family from another extension, in full:
 *
 * ```ts
 * const plugin: JupyterFrontEndPlugin<void> = {
 *   id: 'my-ext:tools',
 *   autoStart: true,
 *   requires: [IToolRegistry],
 *   activate: (app, tools: IToolRegistry) => {
 *     // Loaded on the chat's first need of tools (keep the import dynamic).
 *     tools.addFamily({
 *       id: 'my-ext',
 *       load: async () => (await import('./myTools')).family()
 *     });
 *   }
 * };
 * ```
 */
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import type * as React from 'react';
import type { IAttachment, IToolCall } from './chats/conversation';
import type { ToolRegistry } from './tools/registry';
import type { ITool } from './tools/types';

export type { IAttachment, IToolCall } from './chats/conversation';
export type {
  ITool,
  IToolContext,
  IToolPreview,
  IToolResult,
  ToolEffect,
  ApprovalMode
} from './tools/types';
export type { ToolGroup } from './tools/groups';

// ---------------------------------------------------------------------------
// The chat

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

/** One entry of the composer's `@` menu. */
export interface IMentionItem {
  /** What follows the `@`: letters, digits and `_`, not starting with a digit (`orders`). */
  name: string;
  /** A short word shown after the name ('table', 'view'); none for kernel variables. */
  kind?: string;
  /** One line about it (engine, connection, row estimate), the item's tooltip. */
  detail?: string;
}

/**
 * Where the composer's `@` menu finds names besides the active kernel's
 * variables (the query feature lists its catalog's tables). A mentioned name
 * the source knows puts its `attachment` into the turn.
 */
export interface IMentionSource {
  /** A unique id ('tables'). */
  id: string;
  /** The names to offer now; [] when there are none or nothing can be asked (a busy kernel). */
  items(): Promise<IMentionItem[]>;
  /** What a mention of `name` adds to the turn (bounded text), or null when it is not one of its names. */
  attachment(name: string): Promise<IAttachment | null>;
}

/**
 * The Data Engineer chat in the right sidebar. Commands that act on it (the
 * palette's, the query cells', the ETL notebook's) go through this; calls
 * load the chat (and show its panel) first when it is not loaded yet.
 */
export interface IDataEngineerChat {
  /** Show the panel, load the chat if needed and focus its composer. */
  open(): Promise<void>;
  /** Send a message as the user would (slash commands and `@` mentions work). */
  send(text: string, attachments?: IAttachment[]): Promise<void>;
  /** Send the last request again after an error. */
  retry(): Promise<void>;
  /** Let the reply go on after a step limit, a cut reply or a reload. */
  continue(): Promise<void>;
  /** Stop the running reply, its tools and pending approvals (nothing loads). */
  stop(): void;
  /** Switch the persona that answers; the conversation is kept. */
  setPersona(id: string): Promise<void>;
  /** Add a `/name` command to the composer (kept across chat loads; dispose to remove). */
  addSlashCommand(command: ISlashCommand): IDisposable;
  /** Whether the chat has been loaded (it loads on first show or first call). */
  readonly isLoaded: boolean;
  /** Whether a reply is running. */
  readonly busy: boolean;
  /** The current chat's id (null before the chat is loaded). */
  readonly chatId: string | null;
  /** The persona answering now (null before the chat is loaded). */
  readonly personaId: string | null;
  /** Emitted when the chat loads, a reply starts or ends, the persona or the current chat changes. */
  readonly stateChanged: ISignal<IDataEngineerChat, void>;
}

/** The chat (see `IDataEngineerChat`). */
export const IDataEngineerChat = new Token<IDataEngineerChat>(
  'jupyterlab-data-engineer:IDataEngineerChat',
  'The Data Engineer chat.'
);

// ---------------------------------------------------------------------------
// Tools

/**
 * What a tool family gets from the chat when it is loaded. Services are
 * the app's, by name (each family documents what it reads); `settings()`
 * reads the chat's settings (the `jupyterlab-data-engineer:plugin` schema).
 */
export interface IToolFamilyHost {
  /** Services shared by the chat's tools, by name ('notebooks', 'files', ...; absent ones are missing). */
  readonly services: Readonly<Record<string, unknown>>;
  /** The chat's settings, read now (they change while the chat lives). */
  settings(): Readonly<Record<string, any>>;
  /** Path of the active notebook or document, if any. */
  activePath(): string | null;
  /** The current chat's id (a family's per-chat state, e.g. a terminal, is named after it). */
  chatId(): string;
  /** What the server reported about its setup (`allow_hidden`, ...); null while unknown. */
  serverConfig(): Readonly<Record<string, unknown>> | null;
  /** The chat's translations. */
  readonly trans: TranslationBundle;
  /**
   * The chat's tool registry, for families whose tools come and go (MCP
   * servers): `add`/`remove` tools, `addSource` to be asked before each turn.
   */
  readonly registry: ToolRegistry;
}

/** What a tool family brings into the chat. */
export interface IToolFamilyContents {
  /** The tools (names are unique across families; a later family with the same tool name is ignored). */
  tools: ITool[];
  /** Services its tools read from `IToolContext.services`, by name. */
  services?: Record<string, unknown>;
  /** Slash commands of the composer that come with the family. */
  slashCommands?: ISlashCommand[];
  /** Sources of the composer's `@` menu that come with the family (the catalog's tables). */
  mentionSources?: IMentionSource[];
  /** New persona tool groups its tools belong to (persona files name them in `tools:`). */
  groups?: { name: string; description: string }[];
  /** Views for the results of its tools. */
  resultViews?: IResultView[];
  /** Tool names not offered, with the reason shown in the persona details (e.g. terminals disabled). */
  withheld?: Promise<{ names: string[]; reason: string } | null>;
  /** Called when the chat asks the server about its setup again (start, settings change, Refresh). */
  refresh?(): Promise<void>;
  /** Lines drawn under the chat's instructions line (e.g. the MCP servers' status). */
  statusViews?: React.ComponentType<{ trans: TranslationBundle }>[];
  /** Called when the chat is disposed or the family removed. */
  dispose?(): void;
}

/**
 * A family of tools: loaded on the chat's first need of tools (the first
 * keystroke in the composer, a send, the persona details, a tool card to
 * draw, a slash command), after the chat's own tools; a dynamic import in
 * `load` keeps its code out of JupyterLab's start-up and out of drawing an
 * empty chat. Then offered to personas by their groups and names.
 */
export interface IToolFamily {
  /** A unique id ('query', 'my-ext'). */
  id: string;
  /** Build the tools; called once per chat, on first need. */
  load(
    host: IToolFamilyHost
  ): Promise<IToolFamilyContents> | IToolFamilyContents;
  /**
   * Asked when the chat starts: true loads the tools (this family's and the
   * others') at once, for a family with something to show before any need
   * (the MCP servers' status line when servers are configured). Keep it
   * light (a dynamic import); without it the family waits for first need.
   */
  loadAtStart?(): Promise<boolean> | boolean;
}

/** Where tool families are registered (before or after the chat loads). */
export interface IToolRegistry {
  /** Add a family; its tools join a chat whose tools are loaded at once. Dispose to take it out. */
  addFamily(family: IToolFamily): IDisposable;
  /** The registered families, in registration order. */
  readonly families: ReadonlyArray<IToolFamily>;
  /** Emitted when a family is added or removed. */
  readonly changed: ISignal<IToolRegistry, void>;
}

/** The tool families of the chat (see `IToolRegistry`). */
export const IToolRegistry = new Token<IToolRegistry>(
  'jupyterlab-data-engineer:IToolRegistry',
  'Tool families of the Data Engineer chat.'
);

// ---------------------------------------------------------------------------
// Result views

/** What a result view is given to draw one tool call. */
export interface IResultViewProps {
  call: IToolCall;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  /** Run a JupyterLab command (a card's action). */
  onCommand?: (id: string, args: Record<string, string>) => void;
  /** Reopen a terminal by name. */
  onShowTerminal?: (name: string) => void;
}

/**
 * A view of tool results in the tool card, below the card's header (like the
 * debugger's display registry: a new source plugs in without a switch).
 */
export interface IResultView {
  /** A unique id ('query', 'etl-proof'). */
  id: string;
  /** Whether it draws this call (typically: a key of `call.result.data` is present). */
  matches(call: IToolCall): boolean;
  /** The view. */
  component: React.ComponentType<IResultViewProps>;
  /** Lower ranks draw first (default 100). */
  rank?: number;
}

/** The registry of result views. */
export interface IResultViews {
  add(view: IResultView): IDisposable;
  /** The views that draw a call, by rank. */
  viewsFor(call: IToolCall): IResultView[];
  readonly changed: ISignal<IResultViews, void>;
}

/** Views of tool results in the chat's tool cards (see `IResultViews`). */
export const IResultViews = new Token<IResultViews>(
  'jupyterlab-data-engineer:IResultViews',
  'Views of tool results in the Data Engineer chat.'
);

// ---------------------------------------------------------------------------
// Personas

/** Folders (under the server root) the chat reads personas and prompt files from. */
export interface IPersonaSources {
  /** Add a folder of `*.chatmode.md` / `*.agent.md` / `*.prompt.md` files. Dispose to remove it. */
  addFolder(path: string): IDisposable;
  /** The folders added by extensions, in order. */
  readonly folders: ReadonlyArray<string>;
  readonly changed: ISignal<IPersonaSources, void>;
}

/** Extra persona folders (see `IPersonaSources`). */
export const IPersonaSources = new Token<IPersonaSources>(
  'jupyterlab-data-engineer:IPersonaSources',
  'Persona folders of the Data Engineer chat.'
);
