import type { Contents } from '@jupyterlab/services';
import { isNotFound } from '../contents/contents';
import type { IWorkspaceFileGuard } from '../contents/workspaceFiles';
import {
  HiddenPathRefusedError,
  IPersonaContents,
  IPersonaFileEntry
} from './workspaceFolders';

/**
 * Persona files through the Jupyter contents API. When the server is known
 * to hide dot-folders (`allow_hidden` off), a 404 on one is reported as a
 * refusal so the picker can explain it instead of staying silent.
 */
export class PersonaContents implements IPersonaContents {
  constructor(
    contents: Contents.IManager,
    allowHidden: () => boolean | null,
    guard: IWorkspaceFileGuard | null = null
  ) {
    this._contents = contents;
    this._allowHidden = allowHidden;
    this._guard = guard;
  }

  async refused(paths: readonly string[]): Promise<Map<string, string>> {
    return this._guard ? this._guard.refused(paths) : new Map();
  }

  async listDirectory(path: string): Promise<IPersonaFileEntry[]> {
    try {
      const model = await this._contents.get(path, {
        type: 'directory',
        content: true
      });
      return (model.content as Contents.IModel[]).map(item => ({
        name: item.name,
        path: item.path,
        type: item.type,
        size: item.size ?? null
      }));
    } catch (error) {
      if (
        isNotFound(error) &&
        this._allowHidden() === false &&
        /(^|\/)\./.test(path)
      ) {
        throw new HiddenPathRefusedError(path);
      }
      throw error;
    }
  }

  async readFile(path: string): Promise<string> {
    const model = await this._contents.get(path, {
      type: 'file',
      format: 'text',
      content: true
    });
    return typeof model.content === 'string' ? model.content : '';
  }

  private _contents: Contents.IManager;
  private _allowHidden: () => boolean | null;
  private _guard: IWorkspaceFileGuard | null;
}
