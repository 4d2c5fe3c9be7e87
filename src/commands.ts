/** The ids of the chat's commands (palette, shortcuts, toolbar buttons and menus all run these). */
export namespace CommandIDs {
  export const open = 'data-engineer:open';
  export const newChat = 'data-engineer:new-chat';
  export const stop = 'data-engineer:stop';
  export const retry = 'data-engineer:retry';
  export const compactAndRetry = 'data-engineer:compact-and-retry';
  export const continueReply = 'data-engineer:continue';
  export const exportMarkdown = 'data-engineer:export-markdown';
  export const exportNotebook = 'data-engineer:export-notebook';
  export const switchPersona = 'data-engineer:switch-persona';
  export const showChanges = 'data-engineer:show-changes';
  export const showChats = 'data-engineer:show-chats';
  // Query cells (src/query): open the chat and send /explain, /optimize, /diagnose.
  export const explainQuery = 'data-engineer:explain-query';
  export const optimizeQuery = 'data-engineer:optimize-query';
  export const diagnoseError = 'data-engineer:diagnose-error';
}
