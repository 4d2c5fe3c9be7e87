/** @jest-environment node */
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { openDocumentLookup } from '../openDocuments';

function docManager(widgets: Record<string, any>): IDocumentManager {
  return {
    findWidget: (path: string, name: string | null) =>
      name === null ? widgets[path] : undefined,
    contextForWidget: () => undefined
  } as unknown as IDocumentManager;
}

describe('openDocumentLookup', () => {
  it('gives the open text document of a path through its context model', async () => {
    let source = 'a = 1\n';
    const context = {
      isDisposed: false,
      model: {
        dirty: false,
        sharedModel: {
          getSource: () => source,
          setSource: (text: string) => (source = text)
        }
      },
      save: jest.fn(async () => undefined)
    };
    const lookup = openDocumentLookup(docManager({ 'etl/a.py': { context } }));
    expect(lookup('etl/other.py')).toBeNull();
    const doc = lookup('etl/a.py')!;
    expect(doc.dirty).toBe(false);
    context.model.dirty = true;
    expect(doc.dirty).toBe(true);
    expect(doc.getText()).toBe('a = 1\n');
    doc.setText('a = 2\n');
    expect(source).toBe('a = 2\n');
    await doc.save();
    expect(context.save).toHaveBeenCalledTimes(1);
  });

  it('reports the dirty state of documents that are not plain text, but refuses their text', () => {
    const context = {
      isDisposed: false,
      model: { dirty: true, sharedModel: { cells: [] } },
      save: async () => undefined
    };
    const doc = openDocumentLookup(docManager({ 'n.ipynb': { context } }))(
      'n.ipynb'
    )!;
    expect(doc.dirty).toBe(true);
    expect(() => doc.getText()).toThrow('not open as a text document');
  });

  it('ignores disposed contexts', () => {
    const context = {
      isDisposed: true,
      model: { dirty: false, sharedModel: {} }
    };
    expect(
      openDocumentLookup(docManager({ 'a.py': { context } }))('a.py')
    ).toBeNull();
  });
});
