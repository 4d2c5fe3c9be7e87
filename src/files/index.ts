import type { ITool } from '../tools/types';
import type { ServiceLookup } from './access';
import { listChangesTool } from './changeTools';
import {
  deleteFileTool,
  editFileTool,
  renameFileTool,
  writeFileTool
} from './editTools';
import { findFilesTool, listDirectoryTool, readFileTool } from './readTools';
import { findUsagesTool, searchFilesTool } from './searchTools';

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

/**
 * The file tools: list_directory, read_file, find_files, search_files,
 * find_usages, write_file, edit_file, rename_file, delete_file,
 * list_changes. They expect a `FilesService` as
 * `context.services[FILES_SERVICE]`.
 */
export function createFileTools(options: IFileToolsOptions = {}): ITool[] {
  const lookup = options.service;
  return [
    listDirectoryTool(lookup),
    readFileTool(lookup),
    findFilesTool(lookup),
    searchFilesTool(lookup),
    findUsagesTool(lookup),
    writeFileTool(lookup),
    editFileTool(lookup),
    renameFileTool(lookup),
    deleteFileTool(lookup),
    listChangesTool()
  ];
}

export interface IFileToolsOptions {
  /**
   * The service the tools run with, for the approval step (`riskOf` resolves
   * paths and applies the sensitive-path settings through it).
   */
  service?: ServiceLookup;
}
export { contentsForFiles, openDocumentLookup } from './openDocuments';
export { SYMBOLS_SERVICE } from './symbols';
export type {
  ISymbolSearch,
  ISymbolUsages,
  ISymbolDefinition,
  ISymbolReference
} from './symbols';
