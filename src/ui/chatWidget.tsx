import { ReactWidget } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';
import { ChatView, IChatViewModel, IPanelState } from './chatView';

export type { IChatViewModel, IPanelState };

export interface IChatWidgetOptions {
  app: IChatViewModel;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  commands: CommandRegistry;
}

/**
 * The chat's widget: renders the chat (`ChatView`) and holds which of its
 * panels are open. It builds nothing: the services, the agent and the chat
 * model come from the composition root.
 */
export class ChatWidget extends ReactWidget {
  constructor(options: IChatWidgetOptions) {
    super();
    this._options = options;
    this.app = options.app;
    this.addClass('jp-DataEngineer-chatWidget');
  }

  readonly app: IChatViewModel;

  /** Which panels are open (the chat list, the changes list). */
  get panels(): IPanelState {
    return this._panels;
  }

  /** Emitted when a panel opens or closes. */
  get panelsChanged(): ISignal<this, IPanelState> {
    return this._panelsChanged;
  }

  /** Open or close a panel (`open` omitted: toggle). */
  setPanel(panel: keyof IPanelState, open?: boolean): void {
    const value = open ?? !this._panels[panel];
    if (value !== this._panels[panel]) {
      this._panels = { ...this._panels, [panel]: value };
      this._panelsChanged.emit(this._panels);
    }
  }

  /**
   * Put the keyboard focus in the composer. Right after the chat is first
   * shown the composer may not be rendered yet (React renders
   * asynchronously): the focus then goes to it as soon as it is there, unless
   * the user put the focus somewhere else meanwhile.
   */
  focusComposer(): void {
    const box = this._composer.current;
    if (box) {
      box.focus();
      return;
    }
    const started = document.activeElement;
    // The user went on typing elsewhere (not the shell moving the focus as it shows the panel).
    const typingElsewhere = () => {
      const now = document.activeElement as HTMLElement | null;
      return (
        !!now &&
        now !== started &&
        !this.node.contains(now) &&
        (now.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(now.tagName))
      );
    };
    let frames = 0;
    const retry = () => {
      if (this.isDisposed || typingElsewhere()) {
        return;
      }
      const later = this._composer.current;
      if (later) {
        later.focus();
      } else if (++frames < 120) {
        requestAnimationFrame(retry);
      }
    };
    requestAnimationFrame(retry);
  }

  /** The composer's text box (for tests and commands that pre-fill it). */
  get composer(): HTMLTextAreaElement | null {
    return this._composer.current;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.app.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ChatView
        app={this.app}
        widget={this}
        rendermime={this._options.rendermime}
        trans={this._options.trans}
        commands={this._options.commands}
        composerRef={this._composer}
      />
    );
  }

  private _options: IChatWidgetOptions;
  private _composer = React.createRef<HTMLTextAreaElement>();
  private _panels: IPanelState = { chats: false, changes: false };
  private _panelsChanged = new Signal<this, IPanelState>(this);
}
