import type { ServerConnection, Terminal } from '@jupyterlab/services';
import { ITerminalPort, TerminalSession } from './session';

/**
 * The chat's terminals: one terminal session on the server per chat (named
 * after the chat, so it can be found again after a reload), opened in the
 * main area so the user watches what runs. Availability follows the
 * server: terminals disabled (`ServerApp.terminals_enabled=False`) or not
 * permitted by the authorizer mean no terminal tools.
 */

export const TERMINAL_SERVICE = 'terminal';

/** Why terminals cannot be used, or null when they can. */
export type TerminalAvailability =
  { available: true } | { available: false; reason: string };

export interface ITerminalServiceOptions {
  serverSettings: ServerConnection.ISettings;
  /** JupyterLab's terminal manager (so the Running panel sees the terminals). */
  manager: Pick<Terminal.IManager, 'startNew' | 'connectTo'> | null;
  /** Whether the page says the server has terminals (`PageConfig terminalsAvailable`). */
  pageSaysAvailable: boolean;
  /** Absolute path of the server root (`PageConfig serverRoot`); '' when unknown. */
  serverRoot: string;
  /** The current chat's id. */
  chatId: () => string;
  /** Show a terminal session in the main area by name (JupyterLab's `terminal:open`). */
  show: (name: string) => Promise<void>;
}

/** A terminal session name for a chat (the server accepts word characters only). */
export function terminalNameFor(chatId: string): string {
  return `de_${chatId.replace(/\W+/g, '_')}`.slice(0, 60);
}

/** The session's byte channel over a terminal websocket connection. */
export function connectionPort(
  connection: Terminal.ITerminalConnection
): ITerminalPort {
  return {
    write: data => connection.send({ type: 'stdin', content: [data] }),
    onOutput: listener => {
      const slot = (_: unknown, message: Terminal.IMessage) => {
        if (
          message.type === 'stdout' &&
          typeof message.content?.[0] === 'string'
        ) {
          listener(message.content[0] as string);
        }
      };
      connection.messageReceived.connect(slot);
      return () => connection.messageReceived.disconnect(slot);
    },
    onClose: listener => {
      const slot = (_: unknown, message: Terminal.IMessage) => {
        if (message.type === 'disconnect') {
          listener();
        }
      };
      const disposed = () => listener();
      connection.messageReceived.connect(slot);
      connection.disposed.connect(disposed);
      return () => {
        connection.messageReceived.disconnect(slot);
        connection.disposed.disconnect(disposed);
      };
    }
  };
}

export class TerminalService {
  constructor(options: ITerminalServiceOptions) {
    this._options = options;
  }

  get serverRoot(): string {
    return this._options.serverRoot;
  }

  /** The name of the current chat's terminal. */
  get currentName(): string {
    return terminalNameFor(this._options.chatId());
  }

  /** The current chat's session if it is open (no terminal is started). */
  get current(): TerminalSession | null {
    const entry = this._sessions.get(this.currentName);
    return entry && !entry.session.closed ? entry.session : null;
  }

  /** Ask the server (once) whether terminals can be used. */
  availability(): Promise<TerminalAvailability> {
    if (!this._availability) {
      this._availability = this._probe();
    }
    return this._availability;
  }

  /** The current chat's session, starting its terminal (and showing it) when needed. */
  async session(): Promise<{ session: TerminalSession; name: string }> {
    const name = this.currentName;
    const known = this._sessions.get(name);
    if (known && !known.session.closed) {
      void this._options.show(name).catch(() => undefined);
      return { session: known.session, name };
    }
    known?.session.dispose();
    known?.connection.dispose();
    const connection = await this._connect(name, !!known);
    const session = new TerminalSession(connectionPort(connection));
    this._sessions.set(name, { session, connection });
    await this._options.show(name).catch(() => undefined);
    return { session, name };
  }

  /**
   * The current chat's terminal when it runs on the server but this page is
   * not connected yet (after a reload): connect without showing it. The
   * server replays the terminal's recent output to a new connection.
   */
  async existing(): Promise<TerminalSession | null> {
    const current = this.current;
    if (current) {
      return current;
    }
    const name = this.currentName;
    const { TerminalAPI } = await import('@jupyterlab/services');
    const running = await TerminalAPI.listRunning(this._options.serverSettings);
    if (!running.some(model => model.name === name)) {
      return null;
    }
    const connection = await this._connect(name);
    const session = new TerminalSession(connectionPort(connection));
    this._sessions.set(name, { session, connection });
    await session.waitForOutput(2000);
    return session;
  }

  /** Show a terminal by name (the card's button). */
  show(name: string): Promise<void> {
    return this._options.show(name);
  }

  dispose(): void {
    for (const { session, connection } of this._sessions.values()) {
      session.dispose();
      connection.dispose();
    }
    this._sessions.clear();
  }

  private async _connect(
    name: string,
    afterExit = false
  ): Promise<Terminal.ITerminalConnection> {
    const { manager, serverSettings } = this._options;
    const { TerminalAPI, TerminalManager } =
      await import('@jupyterlab/services');
    const terminals =
      manager ??
      (this._ownManager ??= new TerminalManager({
        serverSettings,
        standby: 'when-hidden'
      }));
    let running = await TerminalAPI.listRunning(serverSettings);
    // The shell just exited (`exit` in a command): give the server a moment to drop it, then start afresh.
    for (
      let wait = 0;
      afterExit && wait < 20 && running.some(model => model.name === name);
      wait++
    ) {
      await new Promise(resolve => setTimeout(resolve, 100));
      running = await TerminalAPI.listRunning(serverSettings);
    }
    if (running.some(model => model.name === name)) {
      return terminals.connectTo({ model: { name } });
    }
    return terminals.startNew({ name });
  }

  private async _probe(): Promise<TerminalAvailability> {
    if (!this._options.pageSaysAvailable) {
      return {
        available: false,
        reason:
          'the Jupyter server has terminals disabled (ServerApp.terminals_enabled=False, or terminado is not installed)'
      };
    }
    const { ServerConnection: Connection } =
      await import('@jupyterlab/services');
    const settings = this._options.serverSettings;
    try {
      const response = await Connection.makeRequest(
        `${settings.baseUrl.replace(/\/?$/, '/')}api/terminals`,
        {},
        settings
      );
      if (response.status === 403) {
        return {
          available: false,
          reason:
            'the Jupyter server does not permit this user to use terminals (403 on /api/terminals)'
        };
      }
      if (response.status === 404) {
        return {
          available: false,
          reason:
            'the Jupyter server has no terminal API (404 on /api/terminals)'
        };
      }
      return { available: true };
    } catch {
      // Network trouble is not a verdict: let the tools try and report their own error.
      return { available: true };
    }
  }

  private _options: ITerminalServiceOptions;
  private _availability: Promise<TerminalAvailability> | null = null;
  private _sessions = new Map<
    string,
    { session: TerminalSession; connection: Terminal.ITerminalConnection }
  >();
  private _ownManager: Terminal.IManager | null = null;
}
