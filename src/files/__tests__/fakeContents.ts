import {
  FilesService,
  IFileLimits,
  IFilesServiceOptions,
  ISnapshotStore,
  MemorySnapshotStore
} from '..';
import type { IOpenDocument } from '../contentsFiles';
import type { IToolContext, IToolResult } from '../../tools/types';
import { createFileTools } from '../tools';
import { FILES_SERVICE } from '..';
import { FakeContents } from '../../__tests__/fakeContents';

export { FakeContents, FakeResponseError } from '../../__tests__/fakeContents';

/** The file tools over the one fake contents service (see ../fakeContents.ts). */

/** A document open in an editor, saving through the contents API like a JupyterLab context. */
export class FakeDocument implements IOpenDocument {
  constructor(contents: FakeContents, path: string) {
    this._contents = contents;
    this.path = path;
    this.text = contents.text(path) ?? '';
  }

  readonly path: string;
  text: string;
  dirty = false;
  saves = 0;
  /** Edits made through setText (the editor's undo history). */
  history: string[] = [];

  getText(): string {
    return this.text;
  }

  setText(text: string): void {
    this.history.push(this.text);
    this.text = text;
    this.dirty = true;
  }

  async save(): Promise<void> {
    await this._contents.save(this.path, {
      type: 'file',
      format: 'text',
      content: this.text
    });
    this.dirty = false;
    this.saves++;
  }

  private _contents: FakeContents;
}

export interface ISetupOptions {
  files?: Record<string, string | Buffer>;
  baseDir?: string;
  allowHidden?: boolean;
  limits?: Partial<IFileLimits>;
  snapshots?: ISnapshotStore;
  chatId?: string;
  /** More FilesService options (sensitive patterns, chat folders, symlink check, worker factory). */
  service?: Partial<IFilesServiceOptions>;
  /** Create the tools without the service lookup (as the tool catalogue does). */
  noLookup?: boolean;
}

/** A files service over a fake server, the tools, and a way to run them. */
export function setup(options: ISetupOptions = {}) {
  const contents = new FakeContents(options.files ?? {});
  contents.allowHidden = !!options.allowHidden;
  const docs = new Map<string, FakeDocument>();
  const state = {
    baseDir: options.baseDir ?? '',
    chatId: options.chatId ?? 'chat-1',
    now: 1_000_000
  };
  const snapshots = options.snapshots ?? new MemorySnapshotStore();
  const service = new FilesService({
    contents,
    baseDir: () => state.baseDir,
    openDocument: path => docs.get(path) ?? null,
    snapshots,
    chatId: () => state.chatId,
    limits: options.limits,
    now: () => state.now,
    ...options.service
  });
  const tools = new Map(
    createFileTools(options.noLookup ? {} : { service: () => service }).map(
      tool => [tool.name, tool]
    )
  );
  const controller = new AbortController();
  const context: IToolContext = {
    signal: controller.signal,
    services: { [FILES_SERVICE]: service }
  };
  const run = (
    name: string,
    input: Record<string, unknown>
  ): Promise<IToolResult> => {
    const tool = tools.get(name);
    if (!tool) {
      throw new Error(`no tool ${name}`);
    }
    return tool.run(input, context);
  };
  /** Run and return the text; fail the test on an error result. */
  const ok = async (
    name: string,
    input: Record<string, unknown>
  ): Promise<string> => {
    const result = await run(name, input);
    if (result.isError) {
      throw new Error(`${name} failed: ${result.content}`);
    }
    return result.content as string;
  };
  /** Run and return the error text; fail the test on success. */
  const fails = async (
    name: string,
    input: Record<string, unknown>
  ): Promise<string> => {
    const result = await run(name, input);
    if (!result.isError) {
      throw new Error(`${name} succeeded: ${result.content}`);
    }
    return result.content as string;
  };
  const open = (path: string): FakeDocument => {
    const doc = new FakeDocument(contents, path);
    docs.set(path, doc);
    return doc;
  };
  /** What the approval step decides for a call with every tool set to auto: null (runs) or the reason it asks. */
  const risk = (name: string, input: Record<string, unknown>): string | null =>
    tools.get(name)?.riskOf?.(input) ?? null;
  return {
    contents,
    service,
    tools,
    context,
    controller,
    state,
    snapshots,
    run,
    ok,
    fails,
    open,
    docs,
    risk
  };
}
