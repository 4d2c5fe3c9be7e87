import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { Contents } from '@jupyterlab/services';
import type {
  IFilesContents,
  IOpenDocument,
  OpenDocumentLookup
} from './contentsFiles';

/**
 * JupyterLab's side of the file tools: open documents found through the
 * document manager, and the contents manager as the tools' narrow
 * contents interface.
 */

/** The contents manager, typed as what the file tools use (a compile-time check that it fits). */
export function contentsForFiles(contents: Contents.IManager): IFilesContents {
  return contents;
}

/** A shared model that holds plain text (file editors), unlike a notebook's. */
interface ITextSharedModel {
  getSource(): string;
  setSource(text: string): void;
}

function isTextModel(model: unknown): model is ITextSharedModel {
  return (
    !!model &&
    typeof (model as any).getSource === 'function' &&
    typeof (model as any).setSource === 'function'
  );
}

/**
 * A lookup of the document open for a server path: any widget the
 * document manager has for it (editor, or another view of the same file).
 * Text goes through `context.model.sharedModel`, so the editor shows the
 * change and its undo history has it; `save()` is the context's save.
 * Documents whose model is not plain text (notebooks) report `dirty` but
 * refuse getText/setText.
 */
export function openDocumentLookup(
  docManager: IDocumentManager
): OpenDocumentLookup {
  return (path: string): IOpenDocument | null => {
    const widget = docManager.findWidget(path, null);
    const context =
      widget?.context ??
      (widget ? docManager.contextForWidget(widget) : undefined);
    if (!context || context.isDisposed || !context.model) {
      return null;
    }
    const textModel = (): ITextSharedModel => {
      const shared = context.model.sharedModel as unknown;
      if (!isTextModel(shared)) {
        throw new Error(`${path} is not open as a text document.`);
      }
      return shared;
    };
    return {
      get dirty() {
        return context.model.dirty;
      },
      getText: () => textModel().getSource(),
      setText: (text: string) => textModel().setSource(text),
      save: () => context.save()
    };
  };
}
