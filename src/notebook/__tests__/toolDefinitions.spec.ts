// jsdom (the tool modules load JupyterLab's notebook package).
import './jupyterlabMocks';
import Ajv from 'ajv';
import { createNotebookTools } from '../tools';

describe('notebook tool definitions', () => {
  const tools = createNotebookTools();

  it('have the effects and default approvals of the issue', () => {
    const table = Object.fromEntries(
      tools.map(tool => [tool.name, `${tool.effect}/${tool.defaultApproval}`])
    );
    expect(table).toEqual({
      get_notebook_summary: 'read/auto',
      read_cell: 'read/auto',
      list_open_notebooks: 'read/auto',
      list_packages: 'read/auto',
      insert_cell: 'write/auto',
      edit_cell: 'write/auto',
      create_notebook: 'write/auto',
      delete_cell: 'write/ask',
      run_cell: 'execute/ask',
      run_all_cells: 'execute/ask',
      restart_kernel: 'execute/ask',
      install_packages: 'execute/ask'
    });
  });

  it('assess risk for the tools that run code', () => {
    const withRisk = tools
      .filter(tool => tool.riskOf)
      .map(tool => tool.name)
      .sort();
    expect(withRisk).toEqual(['install_packages', 'run_all_cells', 'run_cell']);
  });

  it('have input schemas Ajv compiles, and describe themselves', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const tool of tools) {
      expect(() => ajv.compile(tool.inputSchema)).not.toThrow();
      expect(tool.description.length).toBeGreaterThan(80);
      expect(typeof tool.describe).toBe('function');
    }
  });

  it('take notebook_path wherever a notebook is involved', () => {
    for (const tool of tools) {
      if (
        tool.name !== 'create_notebook' &&
        tool.name !== 'list_open_notebooks'
      ) {
        expect(Object.keys(tool.inputSchema.properties)).toContain(
          'notebook_path'
        );
      }
    }
  });

  it('validate inputs as the registry does', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const runCell = ajv.compile(
      tools.find(tool => tool.name === 'run_cell')!.inputSchema
    );
    expect(runCell({ cell_id: 'abc', timeout_seconds: 30 })).toBe(true);
    expect(runCell({ cell_id: 'abc', timeout_seconds: 0 })).toBe(false);
    expect(runCell({ index: 3 })).toBe(false);
    const install = ajv.compile(
      tools.find(tool => tool.name === 'install_packages')!.inputSchema
    );
    expect(install({ packages: [] })).toBe(false);
  });

  it('belong to the notebook groups and describe a call in a line, even a saved input missing its fields', () => {
    for (const tool of tools) {
      expect([
        'notebook-read',
        'notebook-edit',
        'notebook-run',
        'packages'
      ]).toContain(tool.group);
      expect(tool.describe({})).toMatch(/^\S.*\S$/);
    }
  });
});
