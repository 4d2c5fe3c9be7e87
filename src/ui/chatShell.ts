import { Panel } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { ChatWidget, IChatWidgetOptions } from './chatWidget';

/**
 * The sidebar panel as it exists at start-up: an empty shell. The chat UI,
 * the SDK and everything they pull in are loaded on first show, so that
 * JupyterLab's start-up does not pay for them.
 */
export class ChatShell extends Panel {
  constructor(options: IChatWidgetOptions) {
    super();
    this._options = options;
    this.id = 'jp-data-engineer-chat';
    this.addClass('jp-DataEngineer-shell');
    this._placeholder.className = 'jp-DataEngineer-loading';
    this._placeholder.textContent = options.trans('Loading the Data Engineer chat…');
    this.node.appendChild(this._placeholder);
  }

  /** Load (once) and return the chat widget. */
  load(): Promise<ChatWidget> {
    if (!this._loading) {
      this._loading = import('./chatWidget').then(module => {
        const chat = new module.ChatWidget(this._options);
        this._placeholder.remove();
        this.addWidget(chat);
        this._chat = chat;
        return chat;
      });
      this._loading.catch(reason => {
        this._placeholder.textContent = this._options.trans(
          'The chat could not be loaded: %1. Reload the page to try again.',
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

  private _options: IChatWidgetOptions;
  private _placeholder = document.createElement('div');
  private _loading: Promise<ChatWidget> | null = null;
  private _chat: ChatWidget | null = null;
}
