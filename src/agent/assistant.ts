import type { TranslationBundle } from '@jupyterlab/translation';
import type Anthropic from '@anthropic-ai/sdk';
import { ISignal, Signal } from '@lumino/signaling';
import type {
  IInstructionsState,
  InstructionsLoader
} from '../instructions/instructions';
import { handoffOffers, IHandoffOffer } from '../personas/handoff';
import type { IHandoff } from '../personas/persona';
import { isForCodingAgent, modelsOf } from '../personas/persona';
import {
  resolveToolReferences,
  toolsOfPersona
} from '../personas/personaTools';
import type { ModelCatalog } from '../personas/modelCatalog';
import type { IModelResolution } from '../personas/modelResolution';
import type { IPersona } from '../personas/persona';
import type { PersonaRegistry } from '../personas/registry';
import type { IChatSettings } from '../settings';
import { ToolRegistry } from '../tools/registry';
import { ApprovalAnswer, ApprovalPolicy } from './approval';
import { ChatModel } from '../chats/chatModel';
import { ChatSession, IRequestSettings } from './chatSession';
import type {
  IAssistantTurn,
  IAttachment,
  ITurnOverrides
} from '../chats/conversation';
import { buildSystemPrompt } from './prompt';
import { parseSlash, SlashCommandRegistry } from './slashCommands';
import { IMentionItem, MentionSourceRegistry } from './mentions';
import { Compactor, contextWindowOf } from './compaction';
import {
  createSubagentTool,
  SUBAGENT_TOOL,
  subagentToolFor,
  SubagentRuns
} from './subagent';
import type { ITool } from '../tools/types';

/** Where @mentions find kernel variables. */
export interface IVariableSource {
  /** Names of the user's variables in the active kernel ([] when unavailable). */
  names(): Promise<string[]>;
  /** The full summary of one variable, as text for the model. */
  summary(name: string): Promise<string>;
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

/** Prompt files found in the workspace: their commands and the files that were skipped. */
export interface IPromptFilesInfo {
  commands: { name: string; path: string }[];
  problems: { path: string; reason: string }[];
}

/** A message a feature composed, sent as it is (no slash command or @mention expansion). */
export interface IChatMessage {
  text: string;
  attachments?: IAttachment[];
  /** The turn's model and tools (recorded on the user turn, reused by Retry and Continue). */
  overrides?: ITurnOverrides;
}

export interface IAssistantOptions {
  client: () => Anthropic | Promise<Anthropic>;
  settings: () => IChatSettings;
  personas: PersonaRegistry;
  catalog: ModelCatalog;
  instructions: InstructionsLoader;
  /** Path of the active notebook or file (scoped instructions match it). */
  activePath: () => string | null;
  /** The extension's tools; the persona decides which are offered. */
  registry?: ToolRegistry;
  /**
   * Load the tools into `registry` (and the families' slash commands), once:
   * they load on first need, and every turn and slash command waits for them.
   */
  loadTools?: () => Promise<void>;
  /** Services the tools use (e.g. `notebooks`). */
  toolServices?: () => Record<string, unknown>;
  /**
   * The volatile context of a request (active notebook view...), or null.
   * `step` > 1 for requests inside a turn's tool loop.
   */
  context?: (request: { step: number }) => Promise<string | null>;
  /** The active kernel's variables, for @mentions. */
  variables?: IVariableSource;
  /** The chat to start on (default: a new, empty one). */
  model?: ChatModel;
  trans?: TranslationBundle;
}

/**
 * The controller of the current chat (`model`, a `ChatModel`): the one door
 * for a turn (`send`, `sendMessage`, `retry`, `continue`, `compactAndRetry`,
 * `stop`, `answerApproval`), and the agent policy around it: which persona
 * speaks, which model answers, which instructions and context go into each
 * request. The loop (`session`) runs the requests; only chat switching
 * (`ChatThreads`) talks to it directly. Holds no chat state of its own: that
 * lives in the model (a turn's overrides on its user message), which the
 * session can swap.
 */
export class Assistant {
  constructor(options: IAssistantOptions) {
    this._options = options;
    this.registry = options.registry ?? new ToolRegistry();
    this.approval = new ApprovalPolicy(() => options.settings().toolApprovals);
    this.compactor = new Compactor({
      contextWindow: model =>
        contextWindowOf(model, options.settings().contextWindow),
      threshold: () => options.settings().compactionThreshold,
      countTokens: async request => {
        const result = await (
          await options.client()
        ).messages.countTokens({
          model: request.model,
          system: request.system as any,
          messages: request.messages,
          ...(request.tools.length ? { tools: request.tools as any } : {})
        });
        return result.input_tokens;
      },
      summarize: async request => {
        const reply = await (
          await options.client()
        ).messages.create(
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
    // Subagents: a persona whose `tools` name `agent` delegates to another one.
    if (!this.registry.get(SUBAGENT_TOOL)) {
      this.registry.add(
        createSubagentTool(
          {
            personas: options.personas,
            client: options.client,
            registry: this.registry,
            approval: this.approval,
            toolServices: options.toolServices,
            maxSteps: () => options.settings().maxSteps,
            parent: () => this.persona,
            parentChat: () => this.model,
            prepare: (persona, step, tools) =>
              this._prepareFor(persona, step, tools, true),
            trans: options.trans
          },
          this.subagents
        )
      );
    }
    this.session = new ChatSession({
      compactor: this.compactor,
      model: options.model ?? new ChatModel(),
      client: options.client,
      settings: step => this.prepare(step),
      registry: this.registry,
      approval: this.approval,
      toolServices: options.toolServices,
      maxSteps: () => options.settings().maxSteps,
      trans: options.trans
    });
    options.personas.changed.connect(this._emit, this);
    this.model.stateChanged.connect(this._onModelState, this);
    this.session.modelChanged.connect(this._onModelChanged, this);
    this._previousModel = this.model;
  }

  readonly session: ChatSession;
  readonly registry: ToolRegistry;
  /** Live subagent runs, by the parent's tool call id (their cards read them). */
  readonly subagents = new SubagentRuns();
  readonly approval: ApprovalPolicy;
  /** Measures the context window and compacts long conversations before a request. */
  readonly compactor: Compactor;

  /** The current chat. */
  get model(): ChatModel {
    return this.session.model;
  }

  /** The current chat's id (file changes and the saved chat are filed under it). */
  get chatId(): string {
    return this.session.model.id;
  }

  /**
   * Emitted when what the header shows changes: the persona list, the
   * instructions, the model's resolution, the current chat's persona, model
   * or title, or the chat itself (swapped).
   */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get personas(): PersonaRegistry {
    return this._options.personas;
  }

  /** The persona speaking now (the default one until the user picks another). */
  get persona(): IPersona | null {
    const id = this.model.personaId;
    return (
      (id ? this._options.personas.get(id) : undefined) ??
      this._options.personas.defaultPersona()
    );
  }

  /**
   * Send what the user typed: a `/name` command expands to its prompt (a
   * prompt file's `model:` and `tools:` become the turn's overrides), and
   * each `@name` naming a kernel variable attaches that variable's summary.
   */
  async send(text: string): Promise<void> {
    // The families' slash commands (`/optimize`, `/etl`) come with the tools.
    await this.ensureTools();
    const turn: ITurnOverrides = {};
    const slash = parseSlash(text);
    const command = slash ? this.slashCommands.get(slash.name) : undefined;
    let prompt = text;
    let attachments: IAttachment[] = [];
    if (slash && command) {
      const expansion = await command.expand(slash.args);
      if (!expansion) {
        return;
      }
      if (expansion.persona) {
        this.setPersona(expansion.persona);
      }
      if (expansion.model) {
        turn.model = expansion.model;
      }
      if (expansion.tools) {
        turn.tools = expansion.tools;
      }
      prompt = expansion.prompt;
      attachments = expansion.attachments ?? [];
    }
    const mentioned = await this._mentionAttachments(prompt);
    await this.sendMessage({
      text: prompt,
      attachments: [...attachments, ...mentioned],
      overrides: turn
    });
  }

  /**
   * Send a message as it is and run the turn. A pending hand-off's model
   * applies unless the message sets its own. Resolves when the turn ends.
   */
  async sendMessage(message: IChatMessage): Promise<void> {
    if (this.busy || !message.text.trim()) {
      return;
    }
    const overrides: ITurnOverrides = { ...message.overrides };
    // A hand-off's model holds for the message that follows it.
    if (overrides.model === undefined && this._pendingModel) {
      overrides.model = this._pendingModel;
    }
    this._pendingModel = null;
    this._resolution = null;
    await this.session.send(message.text, message.attachments, overrides);
  }

  /** Drop a failed last reply and ask again, with the turn's recorded model and tools. */
  retry(): Promise<void> {
    return this.session.retry();
  }

  /** Go on after a step limit, a cut reply or a reload, with the turn's model and tools. */
  continue(): Promise<void> {
    return this.session.continue();
  }

  /** After a "too long" error: summarise the older turns and ask again (see `ChatSession.compactAndRetry`). */
  compactAndRetry(): Promise<void> {
    return this.session.compactAndRetry();
  }

  /** Stop the running reply, its tools and pending approvals. */
  stop(): void {
    this.session.stop();
  }

  /** The user's answer to a pending approval card. */
  answerApproval(callId: string, answer: ApprovalAnswer): void {
    this.session.answerApproval(callId, answer);
  }

  /** Whether a turn is running. */
  get busy(): boolean {
    return this.session.busy;
  }

  /** Emitted when a turn starts or ends. */
  get busyChanged(): ISignal<ChatSession, boolean> {
    return this.session.busyChanged;
  }

  /** Asks the composer to show this text (a hand-off's prompt to edit before sending). */
  get draftRequested(): ISignal<this, string> {
    return this._draftRequested;
  }

  /** The hand-offs to show after a completed reply (all of the persona's; the recommended ones marked). */
  handoffOffers(turn: IAssistantTurn): IHandoffOffer[] {
    const persona =
      (turn.personaId && this.personas.get(turn.personaId)) || this.persona;
    if (!persona || turn.status !== 'done' || turn.error) {
      return [];
    }
    return handoffOffers(persona, this.personas, turn.text ?? '');
  }

  /**
   * Follow a hand-off as VS Code does: switch persona in this chat (the
   * conversation is kept), select its model for the next request, then
   * submit its prompt (`send: true`) or put it in the composer.
   */
  async handOff(handoff: IHandoff): Promise<void> {
    const target = this.personas.get(handoff.agent);
    if (!target || isForCodingAgent(target) || this.busy) {
      return;
    }
    this.setPersona(target.id);
    this._pendingModel = handoff.model ?? null;
    const prompt = handoff.prompt ?? '';
    if (handoff.send && prompt.trim()) {
      await this.send(prompt);
    } else {
      this._draftRequested.emit(prompt);
    }
  }

  /**
   * Load the tools if they are not yet (see `IAssistantOptions.loadTools`):
   * the composer asks on the first keystroke, the persona details when they
   * open; a send and every turn wait for it.
   */
  ensureTools(): Promise<void> {
    return this._options.loadTools?.() ?? Promise.resolve();
  }

  /** `/name args` commands of the composer (features and prompt files register here). */
  readonly slashCommands = new SlashCommandRegistry();
  /** Sources of the `@` menu besides the kernel's variables (added by tool families). */
  readonly mentionSources = new MentionSourceRegistry();

  /** The workspace's prompt files and their problems, for the persona details (set by the app). */
  get promptFiles(): IPromptFilesInfo | null {
    return this._promptFiles;
  }

  setPromptFiles(info: IPromptFilesInfo | null): void {
    this._promptFiles = info;
    this._emit();
  }

  /** The summaries of the kernel variables a message @mentions. */
  private async _mentionAttachments(text: string): Promise<IAttachment[]> {
    const source = this._options.variables;
    const mentions = mentionsOf(text);
    let attachments: IAttachment[] = [];
    if (!mentions.length) {
      return attachments;
    }
    if (source) {
      const known = new Set(await source.names().catch(() => [] as string[]));
      attachments = await Promise.all(
        mentions
          .filter(name => known.has(name))
          .map(async name => ({
            label: `@${name}`,
            text: await source
              .summary(name)
              .catch(
                error => `Could not inspect ${name}: ${error.message ?? error}`
              )
          }))
      );
    }
    // The families' sources (the catalog's tables) after the variables.
    const fromSources = await this.mentionSources
      .attachments(mentions)
      .catch(() => [] as IAttachment[]);
    return [...attachments, ...fromSources];
  }

  /** The `@` menu's items: the kernel's variables, then the families' sources (tables...). */
  async mentionItems(): Promise<IMentionItem[]> {
    // The families' sources (the catalog's tables) register when the tools
    // load, on the first keystroke: the menu waits for them.
    await this.ensureTools().catch(() => undefined);
    const [names, others] = await Promise.all([
      this.variableNames(),
      this.mentionSources.items().catch(() => [] as IMentionItem[])
    ]);
    return [...names.map(name => ({ name })), ...others];
  }

  /** Kernel variable names for @ completion. */
  async variableNames(): Promise<string[]> {
    return this._options.variables
      ? this._options.variables.names().catch(() => [])
      : [];
  }

  /** Switch persona; the conversation is kept. */
  setPersona(id: string): void {
    const persona = this._options.personas.get(id);
    if (!persona || isForCodingAgent(persona) || id === this.persona?.id) {
      return;
    }
    this._resolution = null;
    this.model.setPersonaId(id);
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
    const state = await this._options.instructions.load(
      this._options.activePath()
    );
    this._instructions = state;
    this._emit();
    return state;
  }

  /** Decide the model for the next message (a pending hand-off's model counts) and say how. */
  resolveModel(): Promise<IModelResolution> {
    return this._resolveModel(this._pendingModel ?? undefined);
  }

  /** The model for a request whose turn asked for `requested` (a hand-off's or prompt file's). */
  private async _resolveModel(
    requested: string | string[] | undefined
  ): Promise<IModelResolution> {
    const settings = this._options.settings();
    let resolution: IModelResolution;
    const chosen = this.model.modelId;
    if (chosen) {
      resolution = {
        model: chosen,
        how: 'exact',
        note: 'chosen for this chat'
      };
    } else if (!settings.modelExplicit && requested && requested.length) {
      // A hand-off's or prompt file's model, resolved as persona models are.
      resolution = await this._options.catalog.resolve(
        requested,
        settings.model
      );
      resolution = {
        ...resolution,
        note: `for this request${resolution.note ? `: ${resolution.note}` : ''}`
      };
    } else {
      resolution = await this._personaModel(this.persona);
    }
    this._resolution = resolution;
    return resolution;
  }

  /** A persona's model (a name or a prioritized list) unless the user set one in the settings. */
  private async _personaModel(
    persona: IPersona | null
  ): Promise<IModelResolution> {
    const settings = this._options.settings();
    const models = persona ? modelsOf(persona) : [];
    if (settings.modelExplicit || !models.length) {
      return { model: settings.model, how: 'exact', note: 'from the settings' };
    }
    return this._options.catalog.resolve(models, settings.model);
  }

  /**
   * Everything a request needs: model, limits, system prompt, tools. The
   * overrides are those recorded on the user turn that started the turn, so
   * Retry, Continue, Compact-and-retry and a reloaded chat reuse them.
   */
  async prepare(step = 1): Promise<IRequestSettings> {
    const settings = this._options.settings();
    const overrides = this.model.lastUser?.overrides;
    // Within one turn's tool loop, instructions and the model are those the
    // turn started with: no file checks or model lookups on the hot path.
    const reuse =
      step > 1 && this._instructions !== null && this._resolution !== null;
    const [instructions, resolution, context] = await Promise.all([
      reuse ? Promise.resolve(this._instructions!) : this.refreshInstructions(),
      reuse
        ? Promise.resolve(this._resolution!)
        : this._resolveModel(overrides?.model),
      settings.notebookContext && this._options.context
        ? this._options.context({ step }).catch(() => null)
        : Promise.resolve(null),
      // The tools (loaded on first need: a retry or Continue after a reload
      // may be the first), then the dynamic ones (MCP servers) brought up to
      // date, once per turn.
      step === 1
        ? this.ensureTools().then(() => this.registry.prepareSources())
        : Promise.resolve()
    ]);
    const persona = this.persona;
    const last = this.model.last;
    if (last && last.role === 'assistant' && last.personaId !== persona?.id) {
      this.model.updateAssistant(last.id, { personaId: persona?.id });
    }
    this._emit();
    const tools = this._toolsFor(persona, overrides?.tools);
    return {
      model: resolution.model,
      maxTokens: settings.maxTokens,
      system: buildSystemPrompt({
        personaBody: persona
          ? resolveToolReferences(
              persona.body,
              tools.map(tool => tool.name),
              this.registry
            )
          : null,
        instructions: instructions.files,
        missingProjectFile: instructions.missingProjectFile
      }),
      tools,
      context
    };
  }

  /**
   * The tools offered to a persona: its own (`disallowedTools` removed), a
   * prompt file's `tools` narrowing them, and the subagent tool as it may use
   * it (its targets listed); none of that for a subagent (depth limit 1).
   */
  private _toolsFor(
    persona: IPersona | null,
    only?: readonly string[],
    subagent = false
  ): ITool[] {
    let tools = toolsOfPersona(this.registry, persona, { subagent });
    if (only) {
      const allowed = new Set(
        toolsOfPersona(this.registry, { tools: [...only] }, { subagent }).map(
          t => t.name
        )
      );
      tools = tools.filter(tool => allowed.has(tool.name));
    }
    return tools.flatMap(tool => {
      if (tool.name !== SUBAGENT_TOOL) {
        return [tool];
      }
      const offered = subagentToolFor(tool, persona, this.personas);
      return offered ? [offered] : [];
    });
  }

  /** A request of `persona` running as a subagent: its instructions and tools, the project's instructions. */
  private async _prepareFor(
    persona: IPersona,
    step: number,
    tools: ITool[],
    subagent: boolean
  ): Promise<IRequestSettings> {
    const settings = this._options.settings();
    const [instructions, resolution, context] = await Promise.all([
      this._instructions
        ? Promise.resolve(this._instructions)
        : this.refreshInstructions(),
      this._personaModel(persona),
      step === 1 && settings.notebookContext && this._options.context
        ? this._options.context({ step }).catch(() => null)
        : Promise.resolve(null)
    ]);
    const note = subagent
      ? `\n\n## Working as a subagent\nAnother persona (${this.persona?.name ?? 'the main assistant'}) delegated this task to you. ` +
        'Work on it with your own tools; the user sees your work and approves your actions. ' +
        'Your last message is the only thing returned: make it the complete answer.'
      : '';
    return {
      model: resolution.model,
      maxTokens: settings.maxTokens,
      system: buildSystemPrompt({
        personaBody:
          resolveToolReferences(
            persona.body,
            tools.map(tool => tool.name),
            this.registry
          ) + note,
        instructions: instructions.files,
        missingProjectFile: instructions.missingProjectFile
      }),
      tools,
      context
    };
  }

  dispose(): void {
    this._options.personas.changed.disconnect(this._emit, this);
    this.model.stateChanged.disconnect(this._onModelState, this);
    this.session.modelChanged.disconnect(this._onModelChanged, this);
    this.session.stop();
    this.subagents.stopAll();
  }

  private _emit(): void {
    this._stateChanged.emit();
  }

  private _onModelState(): void {
    this._emit();
  }

  private _onModelChanged(_: unknown, model: ChatModel): void {
    this._previousModel?.stateChanged.disconnect(this._onModelState, this);
    model.stateChanged.connect(this._onModelState, this);
    this._previousModel = model;
    this._resolution = null;
    this._emit();
  }

  private _options: IAssistantOptions;
  private _promptFiles: IPromptFilesInfo | null = null;
  private _pendingModel: string | string[] | null = null;
  private _draftRequested = new Signal<this, string>(this);
  private _previousModel: ChatModel | null = null;
  private _resolution: IModelResolution | null = null;
  private _instructions: IInstructionsState | null = null;
  private _stateChanged = new Signal<this, void>(this);
}
