import { restoreMasked } from '../../secretText';
import { defineTool } from '../../tools/schema';
import type { IToolPreview } from '../../tools/types';
import { findCell, firstLine, outputsOf, sourceOf } from './cells';
import {
  cellOf,
  fencedCell,
  inNotebook,
  cellData,
  cellIdProperty,
  guard,
  INotebookToolEnv,
  languageOf,
  NOTEBOOK_PATH_PROPERTY,
  peekTarget,
  resolveTarget,
  throwIfAborted
} from './common';
import { NotebookToolError } from './types';
import {
  bindingOf,
  bindNotebook,
  checkBinding,
  checkBoundCells
} from './binding';

/**
 * Tools that change cells and create notebooks. Every change goes through
 * the open notebook's shared model, so the user's undo and collaborators see
 * it; the .ipynb on disk is never rewritten here.
 */

function lineCount(text: string): number {
  return text ? text.split('\n').length : 0;
}

function notebookName(path: string | undefined): string {
  return path || 'the active notebook';
}

export function insertCellTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'insert_cell',
    group: 'notebook-edit',
    description:
      'Insert a new code or markdown cell, after the cell with after_cell_id, or at the top or bottom of the ' +
      'notebook (default bottom). It is not run. Returns the new cell id (use it with run_cell or edit_cell). ' +
      'Build notebooks a cell or two at a time, running each before adding more.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        cell_type: {
          type: 'string',
          enum: ['code', 'markdown'],
          description: 'Cell type (default code).'
        },
        source: {
          type: 'string',
          description: 'The whole source of the new cell.'
        },
        after_cell_id: {
          type: 'string',
          description: 'Insert after this cell id. Leave out to use position.'
        },
        position: {
          type: 'string',
          enum: ['top', 'bottom'],
          description:
            'Where to insert when after_cell_id is not given (default bottom).'
        }
      },
      required: ['source'],
      additionalProperties: false
    },
    describe: input =>
      `Insert a ${input.cell_type === 'markdown' ? 'markdown' : 'code'} cell${inNotebook(input.notebook_path)}`,
    inputMarkdown: input => fencedCell(input.source, input.cell_type),
    effect: 'write',
    defaultApproval: 'auto',
    preview: (input, context) => {
      const type = input.cell_type ?? 'code';
      const place = input.after_cell_id
        ? `after cell ${input.after_cell_id}`
        : `at the ${input.position ?? 'bottom'}`;
      const language =
        type === 'markdown'
          ? 'markdown'
          : languageOf(peekTarget(env, input.notebook_path, context));
      return {
        summary: `Insert a ${type} cell ${place} of ${notebookName(input.notebook_path)}`,
        code: { source: input.source, language }
      };
    },
    run: (input, context) =>
      guard(async () => {
        if (input.after_cell_id && input.position) {
          throw new NotebookToolError(
            'Give either after_cell_id or position, not both.'
          );
        }
        const target = await resolveTarget(env, context, input.notebook_path);
        throwIfAborted(context.signal);
        const model = target.model;
        let index: number;
        let anchor = '';
        if (input.after_cell_id) {
          const found = findCell(model, input.after_cell_id, target.path);
          index = found.index + 1;
          anchor = ` after cell ${found.cell.id}`;
        } else {
          index = input.position === 'top' ? 0 : model.cells.length;
        }
        const cellType = input.cell_type ?? 'code';
        const created = model.sharedModel.insertCell(index, {
          cell_type: cellType,
          source: input.source,
          metadata: {}
        });
        const id = created.getId();
        target.reveal(id);
        return {
          content:
            `Inserted ${cellType} cell ${id} at #${index + 1} of ${model.cells.length}${anchor} in ${target.path}. ` +
            (cellType === 'code' ? 'It has not been run.' : ''),
          data: {
            cell: {
              notebookPath: target.path,
              cellId: id,
              cellType,
              source: input.source
            }
          }
        };
      })
  });
}

export function editCellTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'edit_cell',
    group: 'notebook-edit',
    description:
      "Replace a cell's whole source (the cell keeps its id, type and outputs; the user can undo). Read the cell " +
      'first with read_cell if you have not seen its current source. Outputs are not refreshed: run the cell ' +
      'with run_cell afterwards when it is code.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        cell_id: cellIdProperty('to edit'),
        source: {
          type: 'string',
          description: 'The new, complete source of the cell.'
        }
      },
      required: ['cell_id', 'source'],
      additionalProperties: false
    },
    describe: input =>
      `Edit cell ${cellOf(input)}${inNotebook(input.notebook_path)}`,
    inputMarkdown: (input, shown) =>
      fencedCell(input.source, shown.cell(cellOf(input))?.cellType),
    effect: 'write',
    defaultApproval: 'auto',
    preview: (input, context) => {
      const target = peekTarget(env, input.notebook_path, context);
      const summary = `Edit cell ${input.cell_id} of ${target?.path ?? notebookName(input.notebook_path)}`;
      const found = target ? safeFind(target.model, input.cell_id) : null;
      if (!target || !found) {
        return { summary };
      }
      const preview: IToolPreview = {
        summary,
        diff: {
          path: `${target.path}#${found.cell.id}`,
          before: sourceOf(found.cell),
          after: restoreMasked(input.source, sourceOf(found.cell))
        }
      };
      return preview;
    },
    run: (input, context) =>
      guard(async () => {
        const target = await resolveTarget(env, context, input.notebook_path);
        throwIfAborted(context.signal);
        const { cell } = findCell(target.model, input.cell_id, target.path);
        const before = sourceOf(cell);
        // The model saw secrets masked ("<redacted, N chars>"): what it kept
        // of them gets the cell's own text back, so no secret is overwritten.
        const source = restoreMasked(input.source, before);
        target.reveal(cell.id);
        if (before === source) {
          return {
            content: `Cell ${cell.id} already has this source; nothing changed.`,
            data: { cell: cellData(target, cell, before) }
          };
        }
        cell.sharedModel.setSource(source);
        const stale = cell.type === 'code' && outputsOf(cell).length > 0;
        return {
          content:
            `Replaced the source of ${cell.type} cell ${cell.id} in ${target.path} ` +
            `(${lineCount(before)} → ${lineCount(source)} lines).` +
            (stale
              ? ' Its outputs are from the old source; run_cell refreshes them.'
              : ''),
          data: { cell: cellData(target, cell, source) }
        };
      })
  });
}

export function deleteCellTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'delete_cell',
    group: 'notebook-edit',
    description:
      'Delete a cell (the user can undo it in the notebook). The ids of other cells do not change. Deleting the ' +
      'last cell leaves one empty code cell.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        cell_id: cellIdProperty('to delete')
      },
      required: ['cell_id'],
      additionalProperties: false
    },
    describe: input =>
      `Delete cell ${cellOf(input)}${inNotebook(input.notebook_path)}`,
    effect: 'write',
    defaultApproval: 'ask',
    // The notebook and the cell with its content as the card shows them; the
    // kernel does not matter to a deletion (a restart does not stop it).
    bind: async (input, context) => ({
      ...(await bindNotebook(env, context, input.notebook_path, target => {
        const { cell } = findCell(target.model, input.cell_id, target.path);
        return [{ id: cell.id, source: sourceOf(cell) }];
      })),
      kernel: null
    }),
    preview: (input, context) => {
      const bound = bindingOf(context);
      const target =
        bound?.target ?? peekTarget(env, input.notebook_path, context);
      const summary = `Delete cell ${input.cell_id} of ${bound ? bound.path : (target?.path ?? notebookName(input.notebook_path))}`;
      const found = target ? safeFind(target.model, input.cell_id) : null;
      if (!target || !found) {
        return { summary };
      }
      return {
        summary,
        diff: {
          path: `${target.path}#${found.cell.id}`,
          before: sourceOf(found.cell),
          after: ''
        }
      };
    },
    run: (input, context) =>
      guard(async () => {
        const bound = bindingOf(context);
        let target;
        if (bound) {
          try {
            target = checkBinding(env, context, bound);
            checkBoundCells(bound);
          } catch (error) {
            // The checks speak of running; nothing was deleted here.
            throw error instanceof NotebookToolError
              ? new NotebookToolError(
                  error.message.replace(/^Nothing ran/, 'Nothing was deleted')
                )
              : error;
          }
        } else {
          target = await resolveTarget(env, context, input.notebook_path);
        }
        throwIfAborted(context.signal);
        const model = target.model;
        const { index, cell } = findCell(model, input.cell_id, target.path);
        if (cell.getMetadata('deletable') === false) {
          throw new NotebookToolError(
            `Cell ${cell.id} is marked as not deletable (metadata "deletable": false).`
          );
        }
        const summary = `${cell.type}: ${firstLine(sourceOf(cell)) || '(empty)'}`;
        const id = cell.id;
        const cellType = cell.type;
        // The shared model's cell list updates after the transaction: decide beforehand.
        const wasLast = model.sharedModel.cells.length === 1;
        model.sharedModel.transact(() => {
          model.sharedModel.deleteCell(index);
          if (wasLast) {
            // As the notebook UI does: a notebook keeps at least one cell, in the same undo step.
            model.sharedModel.insertCell(0, {
              cell_type: 'code',
              source: '',
              metadata: { trusted: true }
            });
          }
        });
        // Kernels that track cells get the id in the next execute request, as with the UI.
        model.deletedCells.push(id);
        const neighbour = model.cells.get(
          Math.min(index, model.cells.length - 1)
        );
        if (neighbour) {
          target.reveal(neighbour.id);
        }
        return {
          content:
            `Deleted cell ${id} (${summary}) from ${target.path}; ${model.cells.length} cells remain. ` +
            'The user can undo this in the notebook.',
          data: { cell: { notebookPath: target.path, cellId: id, cellType } }
        };
      })
  });
}

export function createNotebookTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'create_notebook',
    group: 'notebook-edit',
    description:
      'Create a new notebook at a path (".ipynb" is added if missing; an existing file is never overwritten), ' +
      'start its kernel and open it. Returns the path and the id of its first, empty code cell: fill it with ' +
      'edit_cell and add more with insert_cell. Only create a notebook when the user asked for one.',
    inputSchema: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          minLength: 1,
          description:
            'Path of the new notebook relative to the server root, e.g. "etl/load_orders.ipynb".'
        },
        kernel_name: {
          type: 'string',
          description:
            'Kernel spec name, e.g. "python3". Default: the server\'s default kernel.'
        }
      },
      required: ['path'],
      additionalProperties: false
    },
    describe: input =>
      input.path
        ? `Create the notebook ${input.path}${input.kernel_name ? ` (kernel ${input.kernel_name})` : ''}`
        : 'Create a notebook',
    effect: 'write',
    defaultApproval: 'auto',
    run: (input, context) =>
      guard(async () => {
        throwIfAborted(context.signal);
        const target = await env
          .access(context)
          .create(input.path, input.kernel_name || undefined, context.signal);
        const kernel = target.kernel();
        const first = target.model.cells.length
          ? target.model.cells.get(0)
          : null;
        return {
          content:
            `Created and opened ${target.path} (${kernel ? `kernel ${kernel.name}` : 'no kernel'}).` +
            (first
              ? ` Its first cell is ${first.id} (${first.type}, empty).`
              : ''),
          data: first
            ? { cell: cellData(target, first, sourceOf(first)) }
            : { paths: [target.path] }
        };
      })
  });
}

function safeFind(
  model: Parameters<typeof findCell>[0],
  cellId: string
): ReturnType<typeof findCell> | null {
  try {
    return findCell(model, cellId);
  } catch {
    return null;
  }
}
