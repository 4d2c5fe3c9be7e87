import { maskSecretsInCode } from '../../secretText';
import { DATA_FRAME_NOTE, frameData, framedOutputs } from '../../tools/results';
import { defineTool } from '../../tools/schema';
import { buildNotebookView } from '../view';
import { notebookViewInputFromModel } from '../viewInput';
import { executionCountOf, findCell, outputsOf, sourceOf } from './cells';
import {
  cellData,
  cellIdProperty,
  cellOf,
  guard,
  INotebookToolEnv,
  NOTEBOOK_PATH_PROPERTY,
  resolveTarget
} from './common';
import { formatOutputs, outputsToContent, truncateMiddle } from '../outputs';

/** Tools that read notebooks: the summary, one cell, the open notebooks. */

/** Budget of get_notebook_summary: larger than the per-turn context view. */
const SUMMARY_MAX_CHARS = 20000;
/** Longest cell source read_cell returns whole. */
const MAX_SOURCE_CHARS = 20000;

export function getNotebookSummaryTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'get_notebook_summary',
    group: 'notebook-read',
    description:
      'Compact view of a notebook: for every cell its id, type, execution count, first lines of source, ' +
      'kinds of outputs and any error; the active cell in full. Use it to find cell ids and get an overview ' +
      'before reading, editing or running cells. Long notebooks are cut down around the active cell; pass ' +
      'around_cell_id to see another part. Read a cell in full (with outputs and images) with read_cell.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        around_cell_id: {
          type: 'string',
          description:
            'For long notebooks: show the cells around this cell id instead of around the active cell.'
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Read the outline of ${input.notebook_path || 'the active notebook'}`,
    run: (input, context) =>
      guard(async () => {
        const target = await resolveTarget(env, context, input.notebook_path);
        if (input.around_cell_id) {
          findCell(target.model, input.around_cell_id, target.path);
        }
        const view = buildNotebookView(
          notebookViewInputFromModel(
            target.path,
            target.model,
            target.kernel(),
            target.activeCellId()
          ),
          {
            maxChars: SUMMARY_MAX_CHARS,
            focusCellId: input.around_cell_id?.trim() || null
          }
        );
        return { content: view };
      })
  });
}

export function readCellTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'read_cell',
    group: 'notebook-read',
    description:
      'Read one cell in full: its source and, for code cells, its outputs as the user sees them (text, errors with ' +
      'traceback, and plots as images). Long text is truncated with a notice. Use get_notebook_summary first to ' +
      'find the cell id.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        cell_id: cellIdProperty('to read'),
        include_outputs: {
          type: 'boolean',
          description: 'Include the outputs (default true).'
        }
      },
      required: ['cell_id'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Read cell ${cellOf(input)} of ${input.notebook_path || 'the active notebook'}`,
    run: (input, context) =>
      guard(async () => {
        const target = await resolveTarget(env, context, input.notebook_path);
        const { index, cell } = findCell(
          target.model,
          input.cell_id,
          target.path
        );
        const count = executionCountOf(cell);
        const facts = [
          cell.type,
          `#${index + 1} of ${target.model.cells.length}`
        ];
        if (cell.type === 'code') {
          facts.push(count === null ? 'not run' : `execution count ${count}`);
        }
        const source = sourceOf(cell);
        const whole = source.length <= MAX_SOURCE_CHARS;
        const data = {
          cell: cellData(target, cell, whole ? source : undefined),
          ...(whole ? {} : { truncated: true })
        };
        const lines = [
          `Cell ${cell.id} (${facts.join(', ')}) in ${target.path}`,
          DATA_FRAME_NOTE,
          '--- source ---',
          source
            ? frameData(
                `cell ${cell.id} source`,
                truncateMiddle(maskSecretsInCode(source), MAX_SOURCE_CHARS)
              )
            : '(empty)'
        ];
        if (cell.type !== 'code' || input.include_outputs === false) {
          return { content: lines.join('\n'), data };
        }
        const outputs = outputsOf(cell);
        if (!outputs.length) {
          lines.push('--- outputs ---', '(none)');
          return { content: lines.join('\n'), data };
        }
        lines.push('--- outputs ---');
        const formatted = formatOutputs(outputs);
        return {
          content: outputsToContent(
            lines.join('\n'),
            framedOutputs(`cell ${cell.id} outputs`, formatted, false)
          ),
          data: formatted.truncated ? { ...data, truncated: true } : data
        };
      })
  });
}

export function listOpenNotebooksTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'list_open_notebooks',
    group: 'notebook-read',
    description:
      'List the notebooks open in JupyterLab: path, whether it is the active one, kernel and its status, number ' +
      'of cells, unsaved changes. Use the paths as notebook_path in the other notebook tools.',
    inputSchema: {
      type: 'object',
      properties: {},
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: () => 'List the open notebooks',
    run: (_input, context) =>
      guard(async () => {
        const notebooks = env.access(context).list();
        if (!notebooks.length) {
          return {
            content:
              'No notebooks are open. Create one with create_notebook, or pass a notebook_path to open one.'
          };
        }
        const lines = notebooks.map(nb => {
          const kernel = nb.kernel
            ? `kernel ${nb.kernel.name}${nb.kernel.language ? ` (${nb.kernel.language})` : ''}, ${nb.kernel.status}`
            : 'no kernel';
          const flags = [
            nb.active ? 'active' : '',
            nb.dirty ? 'unsaved changes' : ''
          ].filter(Boolean);
          return `- ${nb.path}${flags.length ? ` [${flags.join(', ')}]` : ''}: ${kernel}; ${nb.cellCount} cells`;
        });
        return { content: lines.join('\n') };
      })
  });
}
