import { Panel } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { ChatWidget } from './chatWidget';

export interface IChatShellOptions {
  /** Build the chat (imported lazily: the SDK and the chat UI load with it). */
  load: () => Promise<ChatWidget>;
  /** Shown while loading. */
  loadingText: string;
  /** Shown when loading failed (`%1`: the reason). */
  failedText: (reason: string) => string;
}

/**
 * The sidebar panel as it exists at start-up: an empty shell. The chat UI,
 * the SDK and everything they pull in are loaded on first show, so that
 * JupyterLab's start-up does not pay for them.
 */
export class ChatShell extends Panel {
  constructor(options: IChatShellOptions) {
    super();
    this._options = options;
    this.id = 'jp-data-engineer-chat';
    this.addClass('jp-DataEngineer-shell');
    this._placeholder.className = 'jp-DataEngineer-loading';
    this._placeholder.textContent = options.loadingText;
    this.node.appendChild(this._placeholder);
  }

  /** The chat, once loaded (null before). */
  get chat(): ChatWidget | null {
    return this._chat;
  }

  /** Load (once) and return the chat widget. */
  load(): Promise<ChatWidget> {
    if (!this._loading) {
      this._loading = this._options.load().then(chat => {
        this._placeholder.remove();
        this.addWidget(chat);
        this._chat = chat;
        return chat;
      });
      this._loading.catch(reason => {
        this._placeholder.textContent = this._options.failedText(
          String(reason)
        );
        this._loading = null;
      });
    }
    return this._loading;
  }

  /** Load the chat if needed and focus its composer. */
  async focusComposer(): Promise<void> {
    const chat = await this.load();
    chat.focusComposer();
  }

  /** Re-render after a settings change (direct mode notice, etc.). */
  settingsChanged(): void {
    this._chat?.update();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.load();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    void this.focusComposer();
  }

  private _options: IChatShellOptions;
  private _placeholder = document.createElement('div');
  private _loading: Promise<ChatWidget> | null = null;
  private _chat: ChatWidget | null = null;
}
