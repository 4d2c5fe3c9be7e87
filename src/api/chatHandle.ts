import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { IAttachment, IDataEngineerChat, ISlashCommand } from '../tokens';
import type { ChatWidget } from '../ui/chatWidget';

export interface IChatHandleOptions {
  /** Show the panel and load the chat (once). */
  load(): Promise<ChatWidget>;
  /** Show the panel, load the chat and focus its composer. */
  open(): Promise<void>;
  /** The chat if it is loaded (never loads it). */
  current(): ChatWidget | null;
}

/**
 * The chat as other plugins see it (`IDataEngineerChat`): exists from
 * start-up; calls load the chat first when needed. Slash commands added
 * before the chat loads are handed to it when it does.
 */
export class ChatHandle implements IDataEngineerChat {
  constructor(options: IChatHandleOptions) {
    this._options = options;
  }

  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get isLoaded(): boolean {
    return !!this._options.current();
  }

  get busy(): boolean {
    return !!this._options.current()?.app.assistant.busy;
  }

  get chatId(): string | null {
    return this._options.current()?.app.assistant.chatId ?? null;
  }

  get personaId(): string | null {
    return this._options.current()?.app.assistant.persona?.id ?? null;
  }

  open(): Promise<void> {
    return this._options.open();
  }

  async send(text: string, attachments?: IAttachment[]): Promise<void> {
    const chat = await this._options.load();
    // The families' slash commands (`/optimize`, `/etl`) exist once the chat has started.
    await chat.app.ready?.catch(() => undefined);
    const { assistant } = chat.app;
    if (attachments?.length) {
      // A message a feature built (the ETL request with its sources): sent as given.
      await assistant.sendMessage({ text, attachments });
    } else {
      await assistant.send(text);
    }
  }

  async retry(): Promise<void> {
    await (await this._options.load()).app.assistant.retry();
  }

  async continue(): Promise<void> {
    await (await this._options.load()).app.assistant.continue();
  }

  stop(): void {
    this._options.current()?.app.assistant.stop();
  }

  async setPersona(id: string): Promise<void> {
    (await this._options.load()).app.assistant.setPersona(id);
  }

  addSlashCommand(command: ISlashCommand): IDisposable {
    const entry: { command: ISlashCommand; added: IDisposable | null } = {
      command,
      added: null
    };
    this._commands.push(entry);
    const chat = this._options.current();
    if (chat) {
      entry.added = chat.app.assistant.slashCommands.add(command);
    }
    return new DisposableDelegate(() => {
      entry.added?.dispose();
      this._commands = this._commands.filter(e => e !== entry);
    });
  }

  /** Called once the chat widget exists: hand it the slash commands, follow its state. */
  chatLoaded(chat: ChatWidget): void {
    const { assistant } = chat.app;
    for (const entry of this._commands) {
      entry.added = assistant.slashCommands.add(entry.command);
    }
    const emit = () => this._stateChanged.emit();
    assistant.busyChanged.connect(emit);
    assistant.stateChanged.connect(emit);
    emit();
  }

  private _options: IChatHandleOptions;
  private _commands: { command: ISlashCommand; added: IDisposable | null }[] =
    [];
  private _stateChanged = new Signal<this, void>(this);
}
