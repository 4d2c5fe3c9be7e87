import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import type { ISignal } from '@lumino/signaling';
import { Menu } from '@lumino/widgets';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { ChatThreads } from '../chats/threads';
import type { ISuggestedPrompt } from '../chats/suggestions';
import type { IChatSettings } from '../settings';
import type { FilesService } from '../files';
import type { ICodeBlockActions } from './markdownView';
import type { IServerConfig } from '../agent/client';
import { CommandIDs } from '../commands';
import type { ChangeLog } from '../files';
import { ChangesView, useChanges } from './changesView';
import { ChatList } from './chatList';
import { EmptyState } from './emptyState';
import { Composer } from './composer';
import { ITurnContext, MessageList, TurnContext } from './messageList';
import { LoadToolsContext, ResultViewsContext } from './toolCard';
import type { IResultViews } from '../tokens';
import type { CompletionUsage } from '../completion';
import { InstructionsBar, PersonaHeader } from './personaHeader';
import { ChatFooter } from './usageView';
import { ReadOnlyNotice } from './readOnlyNotice';
import { useSignals } from './useSignal';

/** What the chat view renders: the composition root's objects (see `src/app/createChat.ts`). */
export interface IChatViewModel {
  /** Resolves once the chat has started (last chat reopened, the server asked). */
  readonly ready?: Promise<void>;
  /** Load the tools and their families (result views) on first need; a tool card to draw is one. */
  loadTools?(): Promise<void>;
  resultViews: IResultViews | null;
  readonly assistant: Assistant;
  readonly threads: ChatThreads;
  readonly files: FilesService;
  readonly actions: ICodeBlockActions;
  readonly serverConfig: IServerConfig | null;
  readonly restored: boolean;
  /** Emitted when the server config or `restored` change. */
  readonly stateChanged: ISignal<any, void>;
  readonly options: {
    settings: () => IChatSettings;
    openFile: (path: string) => void;
    completionUsage?: CompletionUsage | null;
  };
  /** MCP servers (status list); absent in views without them. */
  /** Lines under the instructions line, from the tool families (MCP servers' status...). */
  readonly statusViews?: ReadonlyArray<
    React.ComponentType<{ trans: TranslationBundle }>
  >;
  createInstructions(): Promise<void>;
  /** Suggested first prompts for what is open (the empty chat shows them). */
  suggestions?(): Promise<ISuggestedPrompt[]>;
  /** The active document's path (suggestions follow it). */
  activePath?(): string | null;
  /** Export a chat (the current one by default) and open the file; returns its path. */
  exportChat(format: 'md' | 'ipynb', id?: string): Promise<string>;
  dispose(): void;
}

/** Which of the chat's panels are open. */
export interface IPanelState {
  chats: boolean;
  changes: boolean;
}

/** Where the view's panels are opened and closed (the chat widget). */
export interface IPanelHost {
  readonly panels: IPanelState;
  readonly panelsChanged: ISignal<any, IPanelState>;
  setPanel(panel: keyof IPanelState, open?: boolean): void;
}

export interface IChatViewProps {
  app: IChatViewModel;
  /** The widget, for its panel state (chat list, changes). */
  widget: IPanelHost;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  commands: CommandRegistry;
  composerRef?: React.RefObject<HTMLTextAreaElement>;
}

/** The whole chat: header, notices, turns, footer, composer. Renders the app's objects; builds nothing. */
export function ChatView(props: IChatViewProps): JSX.Element {
  const { app, widget, commands } = props;
  const { assistant, threads } = app;
  useSignals([
    assistant.busyChanged,
    assistant.stateChanged,
    app.stateChanged,
    threads.changed,
    widget.panelsChanged
  ]);
  const model = assistant.model;
  const trans = props.trans;
  const context = React.useMemo<ITurnContext>(
    () => ({
      assistant,
      rendermime: props.rendermime,
      trans,
      actions: app.actions,
      changeLog: app.files.changeLog,
      settings: app.options.settings,
      commands,
      focusComposer: () => props.composerRef?.current?.focus()
    }),
    [assistant, props.rendermime, trans, app, commands, props.composerRef]
  );
  const panels = widget.panels;
  // The persona details: the header's toggle, and the instructions line's "details".
  const [detailsOpen, setDetailsOpen] = React.useState(false);
  const settings = app.options.settings();
  const changes = useChanges(app.files.changeLog, model.id);
  const loadTools = React.useMemo(
    () => (app.loadTools ? () => app.loadTools!() : null),
    [app]
  );
  return (
    <ResultViewsContext.Provider value={app.resultViews}>
      <LoadToolsContext.Provider value={loadTools}>
        <TurnContext.Provider value={context}>
          <div className="jp-DataEngineer-chat">
            <PersonaHeader
              assistant={assistant}
              trans={trans}
              onReloadPersonas={() => void assistant.personas.load()}
              onSwitchPersona={id =>
                void commands.execute(CommandIDs.switchPersona, { id })
              }
              onNewChat={() => void commands.execute(CommandIDs.newChat)}
              onToggleChats={() => void commands.execute(CommandIDs.showChats)}
              chatsOpen={panels.chats}
              onToggleChanges={() =>
                void commands.execute(CommandIDs.showChanges)
              }
              changesOpen={panels.changes}
              changeCount={changes.length}
              onExport={anchor => openExportMenu(commands, anchor)}
              detailsOpen={detailsOpen}
              onToggleDetails={() => setDetailsOpen(!detailsOpen)}
            />
            {app.serverConfig?.demo && (
              <div
                className="jp-DataEngineer-demoBadge"
                role="status"
                title={trans.__(
                  'The chat talks to the bundled mock Messages API: the suggested prompts of getting-started.ipynb play scripted runs with the real tools. Set ANTHROPIC_API_KEY on the server to talk to Claude.'
                )}
              >
                {trans.__('Demo mode — replies are scripted')}
              </div>
            )}
            {threads.problem && (
              <div
                className="jp-DataEngineer-notice jp-DataEngineer-notice-error jp-DataEngineer-chatProblemNotice"
                role="alert"
              >
                {threads.problem}
              </div>
            )}
            <ChangesToggle
              changeLog={app.files.changeLog}
              chatId={model.id}
              rendermime={props.rendermime}
              trans={trans}
              open={panels.changes}
              onToggle={() => void commands.execute(CommandIDs.showChanges)}
            />
            <InstructionsBar
              assistant={assistant}
              trans={trans}
              onOpenFile={app.options.openFile}
              onCreateInstructions={() => void app.createInstructions()}
              onShowDetails={() => setDetailsOpen(true)}
            />
            <SetupNotice
              config={app.serverConfig}
              directMode={settings.directMode}
              trans={trans}
            />
            {app.statusViews?.map((StatusView, i) => (
              <StatusView key={i} trans={trans} />
            ))}
            {/* The list of chats takes the messages' place (below the instructions line). */}
            {panels.chats && (
              <ChatList
                threads={threads}
                trans={trans}
                personaName={id =>
                  (id && assistant.personas.get(id)?.name) || id || ''
                }
                onClose={() => widget.setPanel('chats', false)}
                onExport={(id, format) =>
                  void commands.execute(
                    format === 'md'
                      ? CommandIDs.exportMarkdown
                      : CommandIDs.exportNotebook,
                    { id }
                  )
                }
              />
            )}
            <MessageList
              model={model}
              busy={assistant.busy}
              personaId={assistant.persona?.id ?? null}
              hidden={panels.chats}
              emptyText={
                app.restored
                  ? trans.__(
                      'Ask about your data, a query or a pipeline. Enter sends, Shift+Enter adds a line.'
                    )
                  : trans.__('Reopening the last chat…')
              }
              empty={
                app.restored && app.suggestions ? (
                  <EmptyState
                    assistant={assistant}
                    trans={trans}
                    suggestions={() => app.suggestions!()}
                    onSend={prompt => void assistant.send(prompt)}
                    refreshKey={`${model.id}:${assistant.persona?.id ?? ''}:${app.activePath?.() ?? ''}`}
                  />
                ) : null
              }
            />
            <ChatFooter
              model={model}
              settings={app.options.settings}
              trans={trans}
              completions={app.options.completionUsage}
            />
            {threads.readOnly ? (
              <ReadOnlyNotice
                trans={trans}
                onTakeOver={() => void threads.takeOver()}
                onNewChat={() => void commands.execute(CommandIDs.newChat)}
              />
            ) : (
              <Composer
                assistant={assistant}
                trans={trans}
                composerRef={props.composerRef}
                placeholder={assistant.persona?.argumentHint}
                onStop={() => void commands.execute(CommandIDs.stop)}
              />
            )}
          </div>
        </TurnContext.Provider>
      </LoadToolsContext.Provider>
    </ResultViewsContext.Provider>
  );
}

/** The export formats, as a menu under the toolbar's export button. */
function openExportMenu(commands: CommandRegistry, anchor: HTMLElement): void {
  const menu = new Menu({ commands });
  menu.addClass('jp-DataEngineer-exportMenu');
  menu.addItem({ command: CommandIDs.exportMarkdown });
  menu.addItem({ command: CommandIDs.exportNotebook });
  const rect = anchor.getBoundingClientRect();
  menu.aboutToClose.connect(() => setTimeout(() => menu.dispose(), 0));
  menu.open(rect.left, rect.bottom);
}

function ChangesToggle(props: {
  changeLog: ChangeLog;
  chatId: string;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  open: boolean;
  onToggle: () => void;
}): JSX.Element | null {
  const changes = useChanges(props.changeLog, props.chatId);
  if (!changes.length) {
    return null;
  }
  return (
    <div className="jp-DataEngineer-changesBlock">
      <button
        className="jp-DataEngineer-changesToggle jp-mod-styled"
        aria-expanded={props.open}
        onClick={props.onToggle}
      >
        {props.trans.__('Changes (%1)', changes.length)}
      </button>
      {props.open && <ChangesView {...props} />}
    </div>
  );
}

function SetupNotice(props: {
  config: IServerConfig | null;
  directMode: boolean;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { config, directMode, trans } = props;
  if (directMode) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-warn">
        {trans.__(
          'Direct mode is on: your API key is stored in your settings and sent from the browser. Prefer configuring the key on the Jupyter server.'
        )}
      </div>
    );
  }
  if (!config) {
    return null;
  }
  if (!config.available) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-error">
        {trans.__(
          'The jupyterlab_data_engineer server extension is not answering. Install the package with pip in the environment of the Jupyter server and restart it (check with: jupyter server extension list).'
        )}
      </div>
    );
  }
  if (!config.has_key && config.upstream_is_default) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-error">
        {trans.__(
          'No API key is configured on the Jupyter server. Set ANTHROPIC_API_KEY in the environment of the Jupyter server (or c.DataEngineer.anthropic_api_key in its configuration) and restart it. Under JupyterHub, ask your administrator to add it to the single-user environment.'
        )}
      </div>
    );
  }
  return null;
}
