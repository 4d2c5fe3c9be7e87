import type Anthropic from '@anthropic-ai/sdk';
import { ISignal, Signal } from '@lumino/signaling';
import type { IInstructionsState, InstructionsLoader } from '../context/instructions';
import { detectHandoffs } from '../personas/handoff';
import type { IHandoff } from '../personas/persona';
import type { ModelCatalog } from '../personas/modelCatalog';
import type { IModelResolution } from '../personas/modelResolution';
import type { IPersona } from '../personas/persona';
import type { PersonaRegistry } from '../personas/registry';
import type { IChatSettings } from '../settings';
import { ToolRegistry } from '../tools/registry';
import { ApprovalPolicy } from './approval';
import { ChatSession, IRequestSettings } from './chatSession';
import { Conversation, IAssistantTurn, IAttachment } from './conversation';
import { buildSystemPrompt } from './prompt';
import { Compactor, contextWindowOf } from './compaction';

type Translate = (text: string, ...args: any[]) => string;

/** Where @mentions find kernel variables. */
export interface IVariableSource {
  /** Names of the user's variables in the active kernel ([] when unavailable). */
  names(): Promise<string[]>;
  /** The full summary of one variable, as text for the model. */
  summary(name: string): Promise<string>;
}

/** A fresh, sortable chat id. */
export function newChatId(): string {
  return `chat-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The `@name` mentions of a message, in order, without duplicates. */
export function mentionsOf(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/(^|[\s(,])@([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!names.includes(match[2])) {
      names.push(match[2]);
    }
  }
  return names;
}

export interface IAssistantOptions {
  client: () => Anthropic;
  settings: () => IChatSettings;
  personas: PersonaRegistry;
  catalog: ModelCatalog;
  instructions: InstructionsLoader;
  /** Path of the active notebook or file (scoped instructions match it). */
  activePath: () => string | null;
  /** The extension's tools; the persona decides which are offered. */
  registry?: ToolRegistry;
  /** Services the tools use (e.g. `notebooks`). */
  toolServices?: () => Record<string, unknown>;
  /**
   * The volatile context of a request (active notebook view...), or null.
   * `step` > 1 for requests inside a turn's tool loop.
   */
  context?: (request: { step: number }) => Promise<string | null>;
  /** The active kernel's variables, for @mentions. */
  variables?: IVariableSource;
  /** The id of the chat to continue (e.g. remembered across a reload). */
  chatId?: string | null;
  /** Told when a new chat gets its id. */
  onChatId?: (id: string) => void;
  trans?: Translate;
}

/**
 * One chat's assistant: its conversation, the persona speaking, the model it
 * uses and the instructions in effect. Builds every request from them.
 */
export class Assistant {
  constructor(options: IAssistantOptions) {
    this._options = options;
    this._chatId = options.chatId || newChatId();
    if (this._chatId !== options.chatId) {
      options.onChatId?.(this._chatId);
    }
    this.conversation = new Conversation();
    this.registry = options.registry ?? new ToolRegistry();
    this.approval = new ApprovalPolicy(() => options.settings().toolApprovals);
    this.compactor = new Compactor({
      contextWindow: model => contextWindowOf(model, options.settings().contextWindow),
      threshold: () => options.settings().compactionThreshold,
      countTokens: async request => {
        const result = await options.client().messages.countTokens({
          model: request.model,
          system: request.system as any,
          messages: request.messages,
          ...(request.tools.length ? { tools: request.tools as any } : {})
        });
        return result.input_tokens;
      },
      summarize: async request => {
        const reply = await options.client().messages.create(
          {
            model: request.model,
            system: request.system,
            messages: request.messages,
            max_tokens: request.maxTokens
          },
          { signal: request.signal }
        );
        return reply.content
          .filter(block => block.type === 'text')
          .map(block => (block as { text: string }).text)
          .join('\n\n')
          .trim();
      }
    });
    this.session = new ChatSession({
      compactor: this.compactor,
      conversation: this.conversation,
      client: options.client,
      settings: step => this.prepare(step),
      registry: this.registry,
      approval: this.approval,
      toolServices: options.toolServices,
      maxSteps: () => options.settings().maxSteps,
      trans: options.trans
    });
    options.personas.changed.connect(this._emit, this);
  }

  readonly conversation: Conversation;
  readonly session: ChatSession;
  readonly registry: ToolRegistry;
  readonly approval: ApprovalPolicy;
  /** Measures the context window and compacts long conversations before a request. */
  readonly compactor: Compactor;

  /** The chat's id (file changes and, later, the saved chat are filed under it). */
  get chatId(): string {
    return this._chatId;
  }

  /** Start a new chat: new id, empty conversation, approvals for the chat forgotten. */
  newChat(): void {
    this.startChat();
  }

  /**
   * Make this assistant speak in another chat (a fresh one, or `id` to be
   * filled from a saved chat): stops any request, forgets the conversation,
   * the chat's approvals, title and per-chat model.
   */
  startChat(id?: string): void {
    this.session.reset();
    this._chatId = id || newChatId();
    this._title = null;
    this._chatModel = null;
    this._createdAt = Date.now();
    this._options.onChatId?.(this._chatId);
    this._emit();
  }

  /** The title the user gave this chat (null: taken from its first message). */
  get title(): string | null {
    return this._title;
  }

  setTitle(title: string | null): void {
    this._title = title && title.trim() ? title.trim() : null;
    this._emit();
  }

  /** When this chat started (ms since the epoch). */
  get createdAt(): number {
    return this._createdAt;
  }

  set createdAt(value: number) {
    this._createdAt = value;
  }

  /** Emitted when the persona, model or instructions change. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get personas(): PersonaRegistry {
    return this._options.personas;
  }

  /** The persona speaking now (the default one until the user picks another). */
  get persona(): IPersona | null {
    return (
      (this._personaId ? this._options.personas.get(this._personaId) : undefined) ??
      this._options.personas.defaultPersona()
    );
  }

  /**
   * Send a message; each `@name` naming a kernel variable attaches that
   * variable's full summary to the message.
   */
  async send(text: string): Promise<void> {
    const source = this._options.variables;
    const mentions = mentionsOf(text);
    let attachments: IAttachment[] = [];
    if (source && mentions.length) {
      const known = new Set(await source.names().catch(() => [] as string[]));
      attachments = await Promise.all(
        mentions
          .filter(name => known.has(name))
          .map(async name => ({
            label: `@${name}`,
            text: await source.summary(name).catch(error => `Could not inspect ${name}: ${error.message ?? error}`)
          }))
      );
    }
    await this.session.send(text, attachments);
  }

  /** Kernel variable names for @ completion. */
  async variableNames(): Promise<string[]> {
    return this._options.variables ? this._options.variables.names().catch(() => []) : [];
  }

  /** Switch persona; the conversation is kept. */
  setPersona(id: string): void {
    if (!this._options.personas.get(id) || id === this.persona?.id) {
      return;
    }
    this._personaId = id;
    this._resolution = null;
    this._emit();
  }

  /** The model chosen for this chat only (null: persona or settings decide). */
  get chatModel(): string | null {
    return this._chatModel;
  }

  setChatModel(model: string | null): void {
    this._chatModel = model && model.trim() ? model.trim() : null;
    this._emit();
  }

  /** How the model of the last request (or the next one) was chosen. */
  get resolution(): IModelResolution | null {
    return this._resolution;
  }

  /** The instructions read for the last request. */
  get instructions(): IInstructionsState | null {
    return this._instructions;
  }

  /** Read the instruction files again (cheap when unchanged) and notify. */
  async refreshInstructions(): Promise<IInstructionsState> {
    const state = await this._options.instructions.load(this._options.activePath());
    this._instructions = state;
    this._emit();
    return state;
  }

  /** Decide the model for the next request and say how. */
  async resolveModel(): Promise<IModelResolution> {
    const settings = this._options.settings();
    let resolution: IModelResolution;
    if (this._chatModel) {
      resolution = { model: this._chatModel, how: 'exact', note: 'chosen for this chat' };
    } else if (settings.modelExplicit || !this.persona?.model) {
      resolution = { model: settings.model, how: 'exact', note: 'from the settings' };
    } else {
      resolution = await this._options.catalog.resolve(this.persona.model, settings.model);
    }
    this._resolution = resolution;
    return resolution;
  }

  /** The persona hand-offs a finished reply recommends. */
  handoffsFor(turn: IAssistantTurn): IHandoff[] {
    const persona = (turn.personaId && this.personas.get(turn.personaId)) || this.persona;
    if (!persona || turn.status !== 'done' || !turn.text) {
      return [];
    }
    return detectHandoffs(turn.text, persona, this.personas).filter(
      handoff => handoff.agent !== this.persona?.id
    );
  }

  /** Everything a request needs: model, limits, system prompt. */
  async prepare(step = 1): Promise<IRequestSettings> {
    const settings = this._options.settings();
    // Within one turn's tool loop, instructions and the model are those the
    // turn started with: no file checks or model lookups on the hot path.
    const reuse = step > 1 && this._instructions !== null && this._resolution !== null;
    const [instructions, resolution, context] = await Promise.all([
      reuse ? Promise.resolve(this._instructions!) : this.refreshInstructions(),
      reuse ? Promise.resolve(this._resolution!) : this.resolveModel(),
      settings.notebookContext && this._options.context
        ? this._options.context({ step }).catch(() => null)
        : Promise.resolve(null)
    ]);
    const persona = this.persona;
    const last = this.conversation.last;
    if (last && last.role === 'assistant') {
      this.conversation.updateAssistant(last.id, { personaId: persona?.id });
    }
    this._emit();
    return {
      model: resolution.model,
      maxTokens: settings.maxTokens,
      system: buildSystemPrompt({
        personaBody: persona?.body ?? null,
        instructions: instructions.files,
        missingProjectFile: instructions.missingProjectFile
      }),
      tools: this.registry.forPersona(persona ? persona.tools : null),
      context
    };
  }

  dispose(): void {
    this._options.personas.changed.disconnect(this._emit, this);
    this.session.stop();
  }

  private _emit(): void {
    this._stateChanged.emit();
  }

  private _options: IAssistantOptions;
  private _chatId: string;
  private _personaId: string | null = null;
  private _chatModel: string | null = null;
  private _title: string | null = null;
  private _createdAt = Date.now();
  private _resolution: IModelResolution | null = null;
  private _instructions: IInstructionsState | null = null;
  private _stateChanged = new Signal<this, void>(this);
}
