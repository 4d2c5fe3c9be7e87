import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { ISignal, Signal } from '@lumino/signaling';
import type { IChatError } from './errors';

/** Token counts of one reply, as the API reports them. */
export interface IUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** Where an assistant reply stands. */
export type ReplyStatus = 'waiting' | 'streaming' | 'done' | 'stopped' | 'error';

export interface IUserTurn {
  id: string;
  role: 'user';
  text: string;
  createdAt: number;
}

export interface IAssistantTurn {
  id: string;
  role: 'assistant';
  text: string;
  status: ReplyStatus;
  createdAt: number;
  model?: string;
  /** The persona that wrote the reply. */
  personaId?: string;
  stopReason?: string | null;
  usage?: IUsage;
  error?: IChatError;
}

export type Turn = IUserTurn | IAssistantTurn;

let counter = 0;
function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/**
 * The conversation of one chat: the single source of truth the UI renders.
 * Free of DOM so it can be unit-tested and, later, persisted.
 */
export class Conversation {
  get turns(): ReadonlyArray<Turn> {
    return this._turns;
  }

  /** Emitted after any change; the argument is the changed turn, if one. */
  get changed(): ISignal<this, Turn | null> {
    return this._changed;
  }

  addUser(text: string): IUserTurn {
    const turn: IUserTurn = { id: newId('u'), role: 'user', text, createdAt: Date.now() };
    this._turns.push(turn);
    this._changed.emit(turn);
    return turn;
  }

  addAssistant(): IAssistantTurn {
    const turn: IAssistantTurn = {
      id: newId('a'),
      role: 'assistant',
      text: '',
      status: 'waiting',
      createdAt: Date.now()
    };
    this._turns.push(turn);
    this._changed.emit(turn);
    return turn;
  }

  /** Change an assistant turn in place and notify. */
  updateAssistant(id: string, patch: Partial<Omit<IAssistantTurn, 'id' | 'role'>>): void {
    const turn = this._turns.find(t => t.id === id);
    if (!turn || turn.role !== 'assistant') {
      return;
    }
    Object.assign(turn, patch);
    this._changed.emit(turn);
  }

  remove(id: string): void {
    const index = this._turns.findIndex(t => t.id === id);
    if (index >= 0) {
      this._turns.splice(index, 1);
      this._changed.emit(null);
    }
  }

  clear(): void {
    this._turns = [];
    this._changed.emit(null);
  }

  /** The last turn, if any. */
  get last(): Turn | undefined {
    return this._turns[this._turns.length - 1];
  }

  /**
   * The API messages for this conversation. Failed and empty replies are left
   * out; consecutive user turns are joined, so the roles always alternate.
   */
  toMessages(): MessageParam[] {
    const messages: MessageParam[] = [];
    for (const turn of this._turns) {
      if (turn.role === 'assistant') {
        if (!turn.text.trim() || turn.status === 'error' || turn.status === 'waiting') {
          continue;
        }
      }
      const previous = messages[messages.length - 1];
      if (previous && previous.role === turn.role) {
        previous.content = `${previous.content as string}\n\n${turn.text}`;
      } else {
        messages.push({ role: turn.role, content: turn.text });
      }
    }
    // A conversation must end on the user's side for the next request.
    while (messages.length && messages[messages.length - 1].role !== 'user') {
      messages.pop();
    }
    return messages;
  }

  private _turns: Turn[] = [];
  private _changed = new Signal<this, Turn | null>(this);
}
