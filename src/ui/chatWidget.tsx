import type Anthropic from '@anthropic-ai/sdk';
import { ReactWidget } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';
import { ChatSession } from '../agent/chatSession';
import { createClient, fetchServerConfig, IServerConfig } from '../agent/client';
import { Conversation } from '../agent/conversation';
import { DEFAULT_SYSTEM_PROMPT } from '../agent/prompt';
import type { IChatSettings } from '../settings';
import { CellActions } from './cellActions';
import { ChatView } from './chatView';

type Translate = (text: string, ...args: any[]) => string;

/** What the chat needs from JupyterLab. */
export interface IChatWidgetOptions {
  rendermime: IRenderMimeRegistry;
  notebookTracker: INotebookTracker | null;
  serverSettings: ServerConnection.ISettings;
  settings: () => IChatSettings;
  trans: Translate;
}

/**
 * The chat's widget: owns one conversation and its session and renders them.
 * Loaded lazily (with the SDK) the first time the sidebar panel opens.
 */
export class ChatWidget extends ReactWidget {
  constructor(options: IChatWidgetOptions) {
    super();
    this._options = options;
    this.addClass('jp-DataEngineer-chatWidget');
    this.session = new ChatSession({
      conversation: new Conversation(),
      client: () => this._client(),
      settings: () => {
        const s = options.settings();
        return { model: s.model, maxTokens: s.maxTokens, system: DEFAULT_SYSTEM_PROMPT };
      },
      trans: options.trans
    });
    this._actions = new CellActions(options.notebookTracker, options.trans);
    void this.refreshServerConfig();
  }

  readonly session: ChatSession;

  /** Ask the server again whether a key is configured. */
  async refreshServerConfig(): Promise<IServerConfig> {
    this._serverConfig = await fetchServerConfig(this._options.serverSettings);
    this.update();
    return this._serverConfig;
  }

  /** Put the keyboard focus in the composer. */
  focusComposer(): void {
    this._composer.current?.focus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.session.stop();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ChatView
        session={this.session}
        rendermime={this._options.rendermime}
        trans={this._options.trans}
        actions={this._actions}
        serverConfig={this._serverConfig}
        directMode={this._options.settings().directMode}
        composerRef={this._composer}
      />
    );
  }

  /** One SDK client per distinct connection setting. */
  private _client(): Anthropic {
    const s = this._options.settings();
    const key = JSON.stringify([s.directMode, s.directApiKey, s.directBaseUrl]);
    if (!this._cachedClient || this._cachedKey !== key) {
      this._cachedClient = createClient(
        {
          directMode: s.directMode,
          directApiKey: s.directApiKey,
          directBaseUrl: s.directBaseUrl
        },
        this._options.serverSettings
      );
      this._cachedKey = key;
    }
    return this._cachedClient;
  }

  private _options: IChatWidgetOptions;
  private _actions: CellActions;
  private _serverConfig: IServerConfig | null = null;
  private _composer = React.createRef<HTMLTextAreaElement>();
  private _cachedClient: Anthropic | null = null;
  private _cachedKey = '';
}
