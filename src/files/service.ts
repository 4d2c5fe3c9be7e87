import type { IToolContext } from '../tools/types';
import { ChangeLog } from './changeLog';
import { FILES_SERVICE } from './common';
import {
  ConflictTracker,
  ContentsFiles,
  IFilesContents,
  OpenDocumentLookup
} from './contentsFiles';
import { displayPath, normalizeServerPath, resolvePath } from './paths';
import type { IRootCheck } from '../contents/rootCheck';
import type { WorkerFactory } from './regexMatcher';
import { SensitivePaths } from './sensitive';
import { validateRecords } from './undoChecks';
import {
  DEFAULT_SNAPSHOT_FOLDER,
  FALLBACK_SNAPSHOT_FOLDER,
  ISnapshotStore
} from './snapshots';

/** Bounds of reads and searches, so one call cannot flood the context or hang. */
export interface IFileLimits {
  /** read_file refuses files larger than this (bytes). */
  readMaxBytes: number;
  /** Characters in one read_file result. */
  readMaxChars: number;
  /** Lines read_file returns when no limit is given. */
  readDefaultLines: number;
  /** Longer lines are cut (read_file, search results). */
  lineMaxChars: number;
  /** Files read by one search. */
  searchMaxFiles: number;
  /** Bytes read by one search. */
  searchMaxBytes: number;
  /** Larger files are skipped by searches. */
  searchMaxFileBytes: number;
  /** Wall time of one search or walk (ms). */
  searchTimeMs: number;
  /** Matching lines returned by one search. */
  searchMaxResults: number;
  /** Matching lines shown per file. */
  searchMaxPerFile: number;
  /** Folder entries visited by one walk (find_files, searches). */
  walkMaxEntries: number;
  /** Entries shown by list_directory and find_files. */
  listMaxEntries: number;
  /** Larger files are not deleted, written or edited (no undo snapshot would be kept). */
  snapshotMaxBytes: number;
  /** Wall time of one regular expression over one file in search_files (ms). */
  regexTimeMs: number;
}

export const DEFAULT_FILE_LIMITS: IFileLimits = {
  readMaxBytes: 10 * 1024 * 1024,
  readMaxChars: 50000,
  readDefaultLines: 2000,
  lineMaxChars: 2000,
  searchMaxFiles: 2000,
  searchMaxBytes: 50 * 1024 * 1024,
  searchMaxFileBytes: 1024 * 1024,
  searchTimeMs: 20000,
  searchMaxResults: 200,
  searchMaxPerFile: 20,
  walkMaxEntries: 20000,
  listMaxEntries: 500,
  snapshotMaxBytes: 10 * 1024 * 1024,
  regexTimeMs: 2000
};

export interface IFilesServiceOptions {
  /** The contents API (`app.serviceManager.contents` satisfies it). */
  contents: IFilesContents;
  /** The folder relative paths resolve against (the active notebook's folder; '' for the root). */
  baseDir: () => string;
  /** The document open for a path in an editor, or null (see `openDocumentLookup`). */
  openDocument?: OpenDocumentLookup;
  /** Where change records and snapshots are kept. */
  snapshots: ISnapshotStore;
  /** The id of the current chat (changes and read-tracking are per chat). */
  chatId: () => string;
  limits?: Partial<IFileLimits>;
  /** Clock (ms), for search time bounds and change times. */
  now?: () => number;
  /** Folders searches never enter (default: the snapshot folders). */
  excludeFolders?: string[];
  /** Extra sensitive-path patterns (the `sensitivePaths` setting). */
  sensitivePatterns?: () => readonly string[];
  /** Where saved chats live (never written by the file tools). */
  chatFolders?: () => readonly string[];
  /** Asks the server whether paths resolve inside its root (symlinks); absent: not checked. */
  rootCheck?: IRootCheck;
  /** Makes the Web Worker regex searches run in (default: a Blob-URL worker; null: none). */
  workerFactory?: WorkerFactory;
}

/**
 * Everything the file tools need, given to them as
 * `context.services[FILES_SERVICE]`: the contents API with conflict
 * tracking, path resolution and the change log (also used by the UI to
 * list and undo changes).
 */
export class FilesService {
  constructor(options: IFilesServiceOptions) {
    this._baseDir = options.baseDir;
    this._chatId = options.chatId;
    this.now = options.now ?? Date.now;
    this.limits = { ...DEFAULT_FILE_LIMITS, ...options.limits };
    this.files = new ContentsFiles(
      options.contents,
      options.openDocument,
      path => this.display(path),
      () => this.limits.readMaxBytes
    );
    this.changeLog = new ChangeLog({
      store: options.snapshots,
      files: this.files,
      now: this.now,
      maxChars: () => this.limits.snapshotMaxBytes,
      validate: records => validateRecords(this, records)
    });
    this.excludeFolders = options.excludeFolders ?? [
      DEFAULT_SNAPSHOT_FOLDER,
      FALLBACK_SNAPSHOT_FOLDER
    ];
    this._sensitivePatterns = options.sensitivePatterns ?? (() => []);
    this._chatFolders =
      options.chatFolders ?? (() => ['.jupyter/chats', 'data-engineer-chats']);
    this.rootCheck = options.rootCheck ?? null;
    this.workerFactory = options.workerFactory;
  }

  /** See IFilesServiceOptions.workerFactory. */
  readonly workerFactory: WorkerFactory | undefined;

  /** The server's symlink check, or null when there is none (tests on a fake server). */
  readonly rootCheck: IRootCheck | null;

  /** The sensitive-path rules in force (built in, the setting, the chat and snapshot folders). */
  get sensitive(): SensitivePaths {
    let extra: readonly string[] = [];
    let chats: readonly string[] = [];
    try {
      extra = (this._sensitivePatterns() ?? []).filter(
        p => typeof p === 'string'
      );
      chats = (this._chatFolders() ?? []).filter(
        p => typeof p === 'string' && p.trim()
      );
    } catch {
      // Settings not loaded: the built-in rules still hold.
    }
    const key = JSON.stringify([extra, chats, this.excludeFolders]);
    if (!this._sensitive || this._sensitiveKey !== key) {
      const snapshots = "the assistant's undo snapshots";
      this._sensitive = new SensitivePaths({
        extra,
        protectedFolders: [
          ...chats.map(folder => ({
            folder: normalizeServerPath(folder),
            what: "the assistant's saved chats"
          })),
          ...this.excludeFolders.map(folder => ({ folder, what: snapshots }))
        ],
        askToRead: this.excludeFolders.map(folder => ({
          folder,
          what: `${snapshots} (copies of files it changed)`
        }))
      });
      this._sensitiveKey = key;
    }
    return this._sensitive;
  }

  readonly files: ContentsFiles;
  readonly changeLog: ChangeLog;
  readonly tracker = new ConflictTracker();
  readonly limits: IFileLimits;
  readonly now: () => number;
  readonly excludeFolders: string[];

  /** The current chat's id. */
  get chatId(): string {
    return this._chatId();
  }

  /** The folder relative paths resolve against, as a normalised server path. */
  get baseDir(): string {
    let base = '';
    try {
      base = normalizeServerPath(this._baseDir() ?? '');
    } catch {
      base = '';
    }
    return base;
  }

  /** A path from the model as a server path (throws a FileToolError for escapes). */
  resolve(path: string): string {
    return resolvePath(path, this.baseDir);
  }

  /** A server path as the model should pass it back (relative to the base folder). */
  display(path: string): string {
    return displayPath(path, this.baseDir);
  }

  /** "(paths are relative to etl/, the active notebook's folder)" or ''. */
  baseNote(): string {
    const base = this.baseDir;
    return base
      ? `Paths are relative to ${base}/ (the active notebook's folder).`
      : '';
  }

  private _baseDir: () => string;
  private _chatId: () => string;
  private _sensitivePatterns: () => readonly string[];
  private _chatFolders: () => readonly string[];
  private _sensitive: SensitivePaths | null = null;
  private _sensitiveKey = '';
}

/** The files service of a tool call (a wiring error when missing). */
export function filesOf(context: IToolContext): FilesService {
  const service = context.services[FILES_SERVICE] as FilesService | undefined;
  if (!service) {
    throw new Error(
      `File tools need context.services.${FILES_SERVICE} (a FilesService).`
    );
  }
  return service;
}
