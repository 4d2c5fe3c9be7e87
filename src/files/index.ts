/**
 * The public entry of the files feature: the service the chat keeps (change
 * log, snapshots, conflict tracking) and its helpers. The file tools are the
 * second entry, `./tools` (loaded with the chat's tools, on first need).
 */
export { FILES_SERVICE, FileToolError } from './common';
export { FilesService, DEFAULT_FILE_LIMITS, filesOf } from './service';
export type { IFilesServiceOptions, IFileLimits } from './service';
export { ChangeLog, describeChange } from './changeLog';
export type { IChangeLogEvent, IUndoOptions, IUndoResult } from './changeLog';
export {
  ContentsSnapshotStore,
  MemorySnapshotStore,
  DEFAULT_SNAPSHOT_FOLDER,
  FALLBACK_SNAPSHOT_FOLDER
} from './snapshots';
export type {
  ChangeKind,
  IChangeRecord,
  ISnapshotStore,
  IContentsSnapshotStoreOptions
} from './snapshots';
export { ContentsFiles, ConflictTracker, sameStamp } from './contentsFiles';
export type {
  IContentsEntry,
  IFilesContents,
  IFileStamp,
  IOpenDocument,
  OpenDocumentLookup
} from './contentsFiles';
export { resolvePath, displayPath } from './paths';
export { sensitivePathRisk } from './writeChecks';
export { SensitivePaths, BUILTIN_SENSITIVE_RULES } from './sensitive';
export type { ISensitiveMatch, ISensitiveRule } from './sensitive';
export { createRegexMatcher, hasNestedRepetition } from './regexMatcher';
export type { WorkerFactory } from './regexMatcher';

export { contentsForFiles, openDocumentLookup } from './openDocuments';
export { createWorkspaceFileGuard } from './workspaceFiles';
export type { IWorkspaceFileGuardOptions } from './workspaceFiles';
export { SYMBOLS_SERVICE } from './symbols';
export type {
  ISymbolSearch,
  ISymbolUsages,
  ISymbolDefinition,
  ISymbolReference
} from './symbols';
