// jsdom: the notebook tools' index loads @jupyterlab/cells.
import '../../notebook/__tests__/jupyterlabMocks';
import Ajv from 'ajv';
import { createKernelTools } from '../../kernel/tools';
import { createFileTools } from '../../files/tools';
import { createNotebookTools } from '../../notebook/tools';
import { runCellTool } from '../../notebook/tools/runTools';
import { defineTool, InputOf, ToolInput } from '../schema';
import { createEnv } from '../../notebook/tools/common';

/** Compiles only when A and B are the same type. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2
    ? true
    : false;
function assertType<T extends true>(): T | void {
  return undefined;
}

describe('tool input types derived from the schema', () => {
  it('reads required, optional, enum, array and nested types off the schema', () => {
    const schema = {
      type: 'object',
      properties: {
        path: { type: 'string' },
        kind: { type: 'string', enum: ['code', 'markdown'] },
        limit: { type: 'integer' },
        force: { type: 'boolean' },
        names: { type: 'array', items: { type: 'string' } },
        range: {
          type: 'object',
          properties: { from: { type: 'number' } },
          required: ['from']
        }
      },
      required: ['path', 'names']
    } as const;
    assertType<
      Equal<
        InputOf<typeof schema>,
        {
          path: string;
          names: string[];
          kind?: 'code' | 'markdown';
          limit?: number;
          force?: boolean;
          range?: { from: number };
        }
      >
    >();
    const tool = defineTool({
      name: 't',
      description: 'd',
      describe: () => 't',
      inputSchema: schema,
      effect: 'read',
      defaultApproval: 'auto',
      run: async input => ({ content: input.path + input.names.join(',') })
    });
    expect(tool.inputSchema).toBe(schema);
  });

  it('types run_cell from its schema', () => {
    type RunCellInput = ToolInput<ReturnType<typeof runCellTool>>;
    assertType<
      Equal<
        RunCellInput,
        { cell_id: string; notebook_path?: string; timeout_seconds?: number }
      >
    >();
    expect(runCellTool(createEnv()).inputSchema.required).toEqual(['cell_id']);
  });

  it('gives ajv schemas it compiles, for every tool', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const tools = [
      ...createNotebookTools(),
      ...createKernelTools(),
      ...createFileTools()
    ];
    expect(tools.length).toBeGreaterThan(20);
    for (const tool of tools) {
      const validate = ajv.compile(tool.inputSchema);
      expect(validate({ unexpected_property: 1 })).toBe(false);
    }
  });
});
