import type Anthropic from '@anthropic-ai/sdk';
import type { Message, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { ISignal, Signal } from '@lumino/signaling';
import { Conversation, IAssistantTurn, IUsage } from './conversation';
import { APIUserAbortError } from '@anthropic-ai/sdk';
import { describeError, isAbort } from './errors';

/** What a request needs besides the conversation; read fresh for every request. */
export interface IRequestSettings {
  model: string;
  maxTokens: number;
  system: string | TextBlockParam[];
}

export interface IChatSessionOptions {
  conversation: Conversation;
  /** Returns the client to use for the next request (settings may have changed). */
  client: () => Anthropic;
  /** Prepares the next request (may read instruction files, resolve the model). */
  settings: () => IRequestSettings | Promise<IRequestSettings>;
  /** Optional translator for error messages. */
  trans?: (text: string, ...args: any[]) => string;
}

/** Normalise the API's usage object (fields may be absent or null). */
export function toUsage(usage: Partial<Record<keyof IUsage, number | null>> | undefined): IUsage {
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0
  };
}

/**
 * Sends user turns and streams the replies into the conversation.
 * One request at a time; `stop()` aborts the stream at once and keeps the
 * partial reply.
 */
export class ChatSession {
  constructor(options: IChatSessionOptions) {
    this._options = options;
  }

  get conversation(): Conversation {
    return this._options.conversation;
  }

  get busy(): boolean {
    return this._controller !== null;
  }

  get busyChanged(): ISignal<this, boolean> {
    return this._busyChanged;
  }

  /** Add the user's text and stream the reply. Resolves when the reply ends. */
  async send(text: string): Promise<void> {
    if (this.busy || !text.trim()) {
      return;
    }
    this.conversation.addUser(text);
    await this._reply();
  }

  /** Drop a failed or stopped last reply and ask again. */
  async retry(): Promise<void> {
    if (this.busy) {
      return;
    }
    const last = this.conversation.last;
    if (last && last.role === 'assistant') {
      this.conversation.remove(last.id);
    }
    await this._reply();
  }

  /** Abort the running request at once. */
  stop(): void {
    this._controller?.abort();
  }

  /** Forget the conversation (aborting any running request). */
  reset(): void {
    this.stop();
    this.conversation.clear();
  }

  private async _reply(): Promise<void> {
    const conversation = this.conversation;
    const messages = conversation.toMessages();
    if (!messages.length) {
      return;
    }
    const turn = conversation.addAssistant();
    const controller = new AbortController();
    this._setController(controller);
    let snapshot: Message | undefined;
    try {
      const settings = await this._options.settings();
      if (controller.signal.aborted) {
        throw new APIUserAbortError();
      }
      conversation.updateAssistant(turn.id, { model: settings.model });
      const stream = this._options.client().messages.stream(
        {
          model: settings.model,
          max_tokens: settings.maxTokens,
          system: settings.system,
          messages
        },
        { signal: controller.signal }
      );
      stream.on('streamEvent', (_event, message) => {
        snapshot = message;
      });
      stream.on('text', (_delta, textSnapshot) => {
        conversation.updateAssistant(turn.id, { text: textSnapshot, status: 'streaming' });
      });
      const final = await stream.finalMessage();
      conversation.updateAssistant(turn.id, {
        text: textOf(final) || turn.text,
        status: 'done',
        stopReason: final.stop_reason,
        usage: toUsage(final.usage as any),
        model: final.model
      });
    } catch (error) {
      const patch: Partial<IAssistantTurn> = snapshot
        ? { usage: toUsage(snapshot.usage as any) }
        : {};
      if (isAbort(error) || controller.signal.aborted) {
        conversation.updateAssistant(turn.id, { ...patch, status: 'stopped' });
      } else {
        conversation.updateAssistant(turn.id, {
          ...patch,
          status: 'error',
          error: describeError(error, this._options.trans)
        });
      }
    } finally {
      this._setController(null);
    }
  }

  private _setController(controller: AbortController | null): void {
    this._controller = controller;
    this._busyChanged.emit(controller !== null);
  }

  private _options: IChatSessionOptions;
  private _controller: AbortController | null = null;
  private _busyChanged = new Signal<this, boolean>(this);
}

/** The text of a message's text blocks. */
export function textOf(message: Message): string {
  return message.content
    .filter(block => block.type === 'text')
    .map(block => (block as { text: string }).text)
    .join('');
}
