/**
 * The open notebooks as the page holds them (unsaved edits included), in the
 * shape the server's code routes read: path, language and cells.
 */

export interface INotebookCellText {
  id: string;
  cell_type: string;
  source: string;
}

export interface IOpenNotebookText {
  path: string;
  language: string;
  cells: INotebookCellText[];
}

/** The open notebooks, read now. */
export type OpenNotebooks = () => IOpenNotebookText[];

/** What is read of a notebook panel (INotebookTracker's widgets): its shared model (a YNotebook). */
interface IPanelLike {
  /** `localPath` is the server path without a drive prefix (`RTC:` under collaboration). */
  context: { path: string; localPath?: string };
  content: {
    model: {
      sharedModel: {
        cells: ReadonlyArray<{
          id: string;
          cell_type: string;
          getSource(): string;
        }>;
        getMetadata(key?: string): any;
      };
    } | null;
  };
}

/** The open notebooks of a tracker (`forEach` over its panels). */
export function openNotebooksOf(
  tracker: {
    forEach(fn: (panel: any) => void): void;
  } | null
): OpenNotebooks {
  return () => {
    const out: IOpenNotebookText[] = [];
    const seen = new Set<string>();
    tracker?.forEach((panel: IPanelLike) => {
      const model = panel.content.model;
      const path = panel.context.localPath || panel.context.path;
      if (!model || seen.has(path)) {
        return;
      }
      seen.add(path);
      const shared = model.sharedModel;
      const info = shared.getMetadata('language_info');
      const spec = shared.getMetadata('kernelspec');
      out.push({
        path,
        language: String(info?.name ?? spec?.language ?? 'python'),
        cells: shared.cells.map(cell => ({
          id: cell.id,
          cell_type: cell.cell_type,
          source: cell.getSource()
        }))
      });
    });
    return out;
  };
}
