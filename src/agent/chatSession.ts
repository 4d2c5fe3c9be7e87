import type { TranslationBundle } from '@jupyterlab/translation';
import { untranslated } from '../translation';
import type Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message,
  MessageParam,
  TextBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import { ISignal, Signal } from '@lumino/signaling';
import { ToolRegistry } from '../tools/registry';
import type { ITool, IToolContext } from '../tools/types';
import { ApprovalAnswer, ApprovalPolicy } from './approval';
import type { Compactor } from './compaction';
import { ChatModel } from '../chats/chatModel';
import {
  AssistantBlock,
  IAssistantTurn,
  IAttachment,
  IToolCall,
  ITurnOverrides,
  IUsage
} from '../chats/conversation';
import {
  AbortedError,
  describeError,
  IncompleteStreamError,
  isAbort
} from './errors';
import { withCacheBreakpoints } from './prompt';

/** What a request needs besides the conversation; prepared fresh for every request. */
export interface IRequestSettings {
  model: string;
  maxTokens: number;
  system: string | TextBlockParam[];
  /** Tools offered to the model (the persona's). */
  tools?: ITool[];
  /** Volatile context appended to the last user message (notebook view...). */
  context?: string | null;
}

export interface IChatSessionOptions {
  /** The chat the session starts on (`setModel` swaps it). */
  model: ChatModel;
  /** Returns the client to use for the next request (settings may have changed). */
  client: () => Anthropic | Promise<Anthropic>;
  /**
   * Prepares the next request (may read instruction files, resolve the
   * model). `step` is 1 for the first request of a user turn, then 2, 3…
   * for the requests that carry tool results.
   */
  settings: (step: number) => IRequestSettings | Promise<IRequestSettings>;
  /** Validates tool input; optional when no tools are used. */
  registry?: ToolRegistry;
  approval?: ApprovalPolicy;
  /** Services for tools, per run. */
  toolServices?: () => Record<string, unknown>;
  /** Model requests per user turn before pausing (default 25). */
  maxSteps?: () => number;
  /** Optional translator for error messages. */
  trans?: TranslationBundle;
  /**
   * Keeps the conversation inside the model's context window: consulted
   * before every request (see `Compactor.beforeRequest`).
   */
  compactor?: Compactor;
}

/** Normalise the API's usage object (fields may be absent or null). */
export function toUsage(
  usage: Partial<Record<keyof IUsage, number | null>> | undefined
): IUsage {
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0
  };
}

/** The user's Continue after a step limit or max_tokens. */
export const CONTINUE_TEXT = 'Continue.';

/**
 * The agent loop, acting on one `ChatModel` at a time. Outside `agent/` a
 * turn is driven through the controller (`Assistant`), never the loop itself. One user turn =
 * stream a reply; when it stops for `tool_use`, run each requested tool
 * through the approval policy, send the results back, and go on until the
 * model ends its turn, runs out of tokens, refuses, or the step limit is
 * reached. `stop()` cancels the stream, any running tool and any pending
 * approval at once; the chat stays a valid request for the next turn. A run
 * keeps writing to the model it started on, even if the chat is swapped.
 */
export class ChatSession {
  constructor(options: IChatSessionOptions) {
    this._options = options;
    this._model = options.model;
  }

  /** The chat the session acts on. */
  get model(): ChatModel {
    return this._model;
  }

  /** Emitted after `setModel` swapped the chat. */
  get modelChanged(): ISignal<this, ChatModel> {
    return this._modelChanged;
  }

  /** Act on another chat from now on; a running reply is stopped first. */
  setModel(model: ChatModel): void {
    if (model === this._model) {
      return;
    }
    this.stop();
    this._model = model;
    this._modelChanged.emit(model);
  }

  get busy(): boolean {
    return this._controller !== null;
  }

  get busyChanged(): ISignal<this, boolean> {
    return this._busyChanged;
  }

  /**
   * Add the user's text and run the loop. `overrides` (the turn's model and
   * tools) are recorded on the user turn. Resolves when the turn ends.
   */
  async send(
    text: string,
    attachments?: IAttachment[],
    overrides?: ITurnOverrides
  ): Promise<void> {
    if (this.busy || !text.trim()) {
      return;
    }
    this._model.addUser(text, attachments, overrides);
    await this._run();
  }

  /**
   * Go on after a step limit or a reply cut by max_tokens: the same turn
   * goes on, so its overrides carry over to the Continue message.
   */
  async continue(): Promise<void> {
    await this.send(CONTINUE_TEXT, undefined, this._model.lastUser?.overrides);
  }

  /** Drop a failed last reply and ask again. */
  async retry(): Promise<void> {
    if (this.busy) {
      return;
    }
    this._dropFailedReply();
    await this._run();
  }

  /**
   * After a "too long" error: drop the failed reply, summarise the older
   * turns (see `Compactor.forceCompact`) and ask again. Without a compactor
   * this is `retry()`. Stop during the summary stops the whole action.
   */
  async compactAndRetry(): Promise<void> {
    if (this.busy) {
      return;
    }
    this._dropFailedReply();
    await this._run(!!this._options.compactor);
  }

  /** Abort the stream, running tools and pending approvals at once. */
  stop(): void {
    this._controller?.abort();
  }

  /** The user's answer to a pending approval card. */
  answerApproval(callId: string, answer: ApprovalAnswer): void {
    const resolve = this._approvals.get(callId);
    if (resolve) {
      this._approvals.delete(callId);
      resolve(answer);
    }
  }

  /** The loop; `compact` forces a compaction before its first request. */
  private async _run(compact = false): Promise<void> {
    const model = this._model;
    if (!model.toMessages().length) {
      return;
    }
    const controller = new AbortController();
    this._setController(controller);
    try {
      const maxSteps = Math.max(1, this._options.maxSteps?.() ?? 25);
      for (let step = 1; ; step++) {
        const stepped = await this._step(
          model,
          controller,
          step,
          compact && step === 1
        );
        if (!stepped || controller.signal.aborted) {
          return;
        }
        const { turn, offered } = stepped;
        if (turn.stopReason !== 'tool_use') {
          return;
        }
        await this._runTools(model, turn, controller.signal, offered);
        if (controller.signal.aborted) {
          model.updateAssistant(turn.id, { status: 'stopped' });
          return;
        }
        model.updateAssistant(turn.id, { status: 'done' });
        if (step >= maxSteps) {
          model.updateAssistant(turn.id, {
            notice: this._trans.__(
              'Paused after %1 steps (the step limit in the settings). Continue to let the assistant go on.',
              maxSteps
            ),
            canContinue: true
          });
          return;
        }
      }
    } finally {
      for (const resolve of this._approvals.values()) {
        resolve({ kind: 'deny', reason: 'cancelled' });
      }
      this._approvals.clear();
      this._setController(null);
    }
  }

  /**
   * One model request, streamed into a new assistant turn, with the names of
   * the tools the request offered (the only ones its calls may run). Null
   * after an error or Stop.
   */
  private async _step(
    conversation: ChatModel,
    controller: AbortController,
    step: number,
    forceCompact = false
  ): Promise<{ turn: IAssistantTurn; offered: ReadonlySet<string> } | null> {
    const turn = conversation.addAssistant();
    let offered: ReadonlySet<string> = new Set();
    // The turn as it is now: every update replaces it with a new object.
    const current = () =>
      (conversation.turn(turn.id) as IAssistantTurn | undefined) ?? turn;
    let snapshot: Message | undefined;
    try {
      const settings = await this._options.settings(step);
      if (controller.signal.aborted) {
        throw new AbortedError();
      }
      conversation.updateAssistant(turn.id, { model: settings.model });
      const tools = settings.tools ?? [];
      offered = new Set(tools.map(tool => tool.name));
      await this._compact(
        conversation,
        controller.signal,
        settings,
        forceCompact
      );
      const stream = (await this._options.client()).messages.stream(
        {
          model: settings.model,
          max_tokens: settings.maxTokens,
          system: settings.system,
          messages: withContext(
            withCacheBreakpoints(conversation.toMessages()),
            settings.context
          ),
          ...(tools.length ? { tools: ToolRegistry.toApi(tools) } : {})
        },
        { signal: controller.signal }
      );
      stream.on('streamEvent', (event, message) => {
        snapshot = message;
        if (
          event.type !== 'content_block_start' &&
          event.type !== 'content_block_delta'
        ) {
          return; // nothing the user sees changed
        }
        conversation.updateAssistant(turn.id, {
          blocks: blocksOf(message, current().blocks),
          status: 'streaming'
        });
      });
      const final = await stream.finalMessage();
      if (!final.stop_reason) {
        // The stream ended without its message_delta / message_stop: the
        // connection was closed early, the reply (and any tool input) is partial.
        throw new IncompleteStreamError();
      }
      let blocks = blocksOf(final, current().blocks);
      const cut =
        final.stop_reason === 'max_tokens' ||
        (final.stop_reason as string) === 'model_context_window_exceeded';
      if (cut) {
        // A tool call cut off mid-input can't run.
        blocks = blocks.filter(
          b =>
            b.type !== 'tool' ||
            final.content.some(
              c =>
                c.type === 'tool_use' &&
                c.id === b.call.id &&
                stopIsComplete(final, c.id)
            )
        );
      }
      const patch: Partial<IAssistantTurn> = {
        blocks,
        status: final.stop_reason === 'tool_use' && !cut ? 'tools' : 'done',
        stopReason: final.stop_reason,
        usage: toUsage(final.usage as any),
        model: final.model
      };
      if (final.stop_reason === 'max_tokens') {
        patch.notice = this._trans.__(
          'The reply reached the max tokens limit.'
        );
        patch.canContinue = true;
      } else if (final.stop_reason === 'refusal') {
        patch.notice = this._trans.__(
          'The model declined to continue this request.'
        );
      } else if (
        (final.stop_reason as string) === 'model_context_window_exceeded'
      ) {
        // The reply filled the context window: offer the way out (Compact and retry).
        patch.error = {
          kind: 'context_too_long',
          message: this._trans.__(
            "The reply stopped: the conversation filled the model's context window."
          ),
          detail: this._trans.__(
            'Use Compact and retry to summarise the older turns into a recap, or start a new chat.'
          ),
          retryable: false
        };
      }
      const updated = conversation.updateAssistant(turn.id, patch);
      return updated ? { turn: updated, offered } : null;
    } catch (error) {
      const patch: Partial<IAssistantTurn> = snapshot
        ? { usage: toUsage(snapshot.usage as any) }
        : {};
      // Tool calls that never completed are dropped: they were not run.
      const blocks = current().blocks.filter(b => b.type === 'text');
      if (isAbort(error) || controller.signal.aborted) {
        conversation.updateAssistant(turn.id, {
          ...patch,
          blocks,
          status: 'stopped'
        });
      } else {
        conversation.updateAssistant(turn.id, {
          ...patch,
          blocks,
          status: 'error',
          error: describeError(error, this._options.trans)
        });
      }
      return null;
    }
  }

  /**
   * Let the compactor size the request and shorten the conversation if it
   * would not fit. The new reply (still 'waiting', the last turn) is not part
   * of the request, so it is no obstacle. Only an abort gets through.
   */
  private async _compact(
    conversation: ChatModel,
    signal: AbortSignal,
    settings: IRequestSettings,
    force: boolean
  ): Promise<void> {
    const compactor = this._options.compactor;
    if (!compactor) {
      return;
    }
    const args = {
      conversation,
      model: settings.model,
      maxTokens: settings.maxTokens,
      system: settings.system,
      tools: ToolRegistry.toApi(settings.tools ?? []),
      signal
    };
    try {
      await (force
        ? compactor.forceCompact(args)
        : compactor.beforeRequest(args));
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        throw error;
      }
      // Compaction is best effort: the request goes on as it is.
    }
    if (signal.aborted) {
      throw new AbortedError();
    }
  }

  /** Run the turn's tool calls in order, through the approval policy. */
  private async _runTools(
    model: ChatModel,
    turn: IAssistantTurn,
    signal: AbortSignal,
    offered: ReadonlySet<string>
  ): Promise<void> {
    const calls = turn.blocks
      .filter((b): b is { type: 'tool'; call: IToolCall } => b.type === 'tool')
      .map(b => b.call);
    for (const call of calls) {
      if (signal.aborted) {
        model.updateCall(turn.id, call.id, { state: 'cancelled' });
        continue;
      }
      await this._runTool(model, turn, call, signal, offered);
    }
  }

  private async _runTool(
    model: ChatModel,
    turn: IAssistantTurn,
    call: IToolCall,
    signal: AbortSignal,
    offered: ReadonlySet<string>
  ): Promise<void> {
    const update = (patch: Partial<IToolCall>) =>
      model.updateCall(turn.id, call.id, patch);
    if (!offered.has(call.name)) {
      // The persona's (or prompt file's) tool limits hold when tools run, not
      // only in what the request lists: a call to anything else runs nothing.
      update({
        state: 'failed',
        result: {
          content: notOfferedText(call.name, offered),
          isError: true
        }
      });
      return;
    }
    const registry = this._options.registry;
    const tool = registry?.get(call.name);
    if (!registry || !tool) {
      update({
        state: 'failed',
        result: {
          content: `Unknown tool: ${call.name}. Use only the tools you were given.`,
          isError: true
        }
      });
      return;
    }
    const invalid = await registry.validate(tool, call.input);
    if (invalid) {
      update({ state: 'failed', result: { content: invalid, isError: true } });
      return;
    }
    const context: IToolContext = {
      signal,
      services: this._options.toolServices?.() ?? {},
      history: () => historyOf(model, call.id),
      callId: call.id
    };
    if (tool.bind) {
      // What the card will show is resolved now and is what the call acts on.
      try {
        context.binding = await tool.bind(call.input, context);
      } catch (error) {
        update({
          state: signal.aborted ? 'cancelled' : 'failed',
          result: {
            content: error instanceof Error ? error.message : String(error),
            isError: true
          }
        });
        return;
      }
    }
    update({
      preview: await ToolRegistry.previewOf(tool, call.input, context)
    });
    const decision = this._options.approval?.decide(
      tool,
      call.input,
      model.grants,
      context
    ) ?? {
      mode: tool.defaultApproval
    };
    let allowedBy: IToolCall['allowedBy'] = decision.byChat ? 'chat' : 'auto';
    if (decision.mode === 'never') {
      update({
        state: 'denied',
        denyReason:
          decision.reason ?? "This tool is disabled in the user's settings."
      });
      return;
    }
    if (decision.mode === 'ask') {
      update({
        state: 'waiting_approval',
        approvalReason: decision.reason,
        approvalReasonKind: decision.reasonKind
      });
      const answer = await this._askUser(call.id, signal);
      if (signal.aborted) {
        update({ state: 'cancelled' });
        return;
      }
      if (answer.kind === 'deny') {
        update({ state: 'denied', denyReason: answer.reason });
        return;
      }
      if (answer.kind === 'allow_chat') {
        model.grant(tool.name);
      }
      allowedBy = answer.kind === 'allow_chat' ? 'chat' : 'once';
    }
    update({ state: 'running', allowedBy });
    const started = performance.now();
    try {
      const result = await tool.run(call.input, context);
      update({
        state: signal.aborted
          ? 'cancelled'
          : result.isError
            ? 'failed'
            : 'done',
        result,
        durationMs: performance.now() - started
      });
    } catch (error) {
      update({
        state: signal.aborted ? 'cancelled' : 'failed',
        result: {
          content: `The tool failed: ${error instanceof Error ? error.message : String(error)}`,
          isError: true
        },
        durationMs: performance.now() - started
      });
    }
  }

  /** Wait for the user's answer; Stop withdraws the question. */
  private _askUser(
    callId: string,
    signal: AbortSignal
  ): Promise<ApprovalAnswer> {
    return new Promise(resolve => {
      const onAbort = () => {
        this._approvals.delete(callId);
        resolve({ kind: 'deny', reason: 'cancelled' });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this._approvals.set(callId, answer => {
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      });
    });
  }

  private get _trans(): TranslationBundle {
    return this._options.trans ?? untranslated;
  }

  private _setController(controller: AbortController | null): void {
    this._controller = controller;
    this._busyChanged.emit(controller !== null);
  }

  /** Take out a failed last reply (before Retry). */
  private _dropFailedReply(): void {
    const last = this._model.last;
    if (last && last.role === 'assistant' && last.status === 'error') {
      this._model.remove(last.id);
    }
  }

  private _options: IChatSessionOptions;
  private _model: ChatModel;
  private _modelChanged = new Signal<this, ChatModel>(this);
  private _controller: AbortController | null = null;
  private _approvals = new Map<string, (answer: ApprovalAnswer) => void>();
  private _busyChanged = new Signal<this, boolean>(this);
}

/**
 * The reply's blocks from a message snapshot, keeping what is known of each
 * tool call (its state, result). Blocks that did not change are the same
 * objects as before, so views memoised on them do not render again.
 */
function blocksOf(
  message: Message,
  previous: AssistantBlock[]
): AssistantBlock[] {
  const known = new Map<string, AssistantBlock>();
  for (const block of previous) {
    if (block.type === 'tool') {
      known.set(block.call.id, block);
    }
  }
  return message.content.flatMap((block, index): AssistantBlock[] => {
    if (block.type === 'text') {
      const before = previous[index];
      return [
        before?.type === 'text' && before.text === block.text
          ? before
          : { type: 'text', text: block.text }
      ];
    }
    if (block.type === 'tool_use') {
      const before = known.get(block.id);
      if (before?.type === 'tool' && before.call.input === block.input) {
        return [before];
      }
      const call: IToolCall =
        before?.type === 'tool'
          ? { ...before.call, input: block.input }
          : {
              id: block.id,
              name: block.name,
              input: block.input,
              state: 'pending'
            };
      return [{ type: 'tool', call }];
    }
    return [];
  });
}

/** The error a call to a tool the request did not offer gets (for the model and the card). */
export function notOfferedText(
  name: string,
  offered: ReadonlySet<string>
): string {
  const list = [...offered].sort();
  return (
    `Refused: the tool "${name}" was not offered in this request, so it did not run. ` +
    (list.length
      ? `Use only the tools you were given: ${list.join(', ')}.`
      : 'No tools were offered in this request: answer in text.')
  );
}

/** The chat's tool calls before `callId`, oldest first (for `IToolContext.history`). */
function historyOf(model: ChatModel, callId: string): IToolCall[] {
  const calls: IToolCall[] = [];
  for (const turn of model.turns) {
    if (turn.role !== 'assistant') {
      continue;
    }
    for (const block of turn.blocks) {
      if (block.type === 'tool') {
        if (block.call.id === callId) {
          return calls;
        }
        calls.push(block.call);
      }
    }
  }
  return calls;
}

/** Whether a tool_use block of a max_tokens reply was complete (it was not the last block). */
function stopIsComplete(message: Message, id: string): boolean {
  const last = message.content[message.content.length - 1];
  return !(last && last.type === 'tool_use' && last.id === id);
}

/**
 * The request's messages with the volatile context appended to the last user
 * message only: older context sections are replaced, never accumulated.
 */
export function withContext(
  messages: MessageParam[],
  context: string | null | undefined
): MessageParam[] {
  const text = (context ?? '').trim();
  if (!text || !messages.length) {
    return messages;
  }
  const out = messages.slice();
  const last = out[out.length - 1];
  const content: ContentBlockParam[] =
    typeof last.content === 'string'
      ? [{ type: 'text', text: last.content }]
      : [...last.content];
  content.push({ type: 'text', text: `<context>\n${text}\n</context>` });
  out[out.length - 1] = { ...last, content } as MessageParam;
  return out;
}
