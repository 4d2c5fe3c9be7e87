// jsdom: package tools with a scripted kernel.
import './jupyterlabMocks';
import { createNotebookTools } from '../tools';
import {
  filterPackages,
  invalidPackageSpec,
  parsePackageListing,
  pipInstallCommand
} from '../tools/packageTools';
import type { ISilentKernel } from '../tools/types';
import type { ITool } from '../../tools/types';
import { contextWith, FakeAccess, FakeTarget, makeModel } from './fakeNotebook';

interface IScript {
  stdout?: string;
  stderr?: string;
  status?: 'ok' | 'error';
  exitCode?: string;
  never?: boolean;
}

/** A kernel that answers every execute request with the script. */
function fakeKernel(script: IScript, language = 'python') {
  const requests: any[] = [];
  let interrupts = 0;
  const kernel = {
    info: Promise.resolve({ language_info: { name: language } }),
    interrupt: async () => {
      interrupts++;
    },
    requestExecute: (content: any) => {
      requests.push(content);
      const future: any = { onIOPub: () => undefined };
      // The kernel says it started this request (what lets Stop interrupt it).
      void Promise.resolve().then(() =>
        future.onIOPub({
          header: { msg_type: 'status' },
          content: { execution_state: 'busy' }
        })
      );
      future.done = script.never
        ? new Promise(() => undefined)
        : Promise.resolve().then(() => {
            const iopub = (name: string, text: string) =>
              future.onIOPub({
                header: { msg_type: 'stream' },
                content: { name, text }
              });
            if (script.stdout) {
              iopub('stdout', script.stdout);
            }
            if (script.stderr) {
              iopub('stderr', script.stderr);
            }
            const expressions =
              script.exitCode === undefined
                ? {}
                : {
                    exit_code: {
                      status: 'ok',
                      data: { 'text/plain': script.exitCode },
                      metadata: {}
                    }
                  };
            return {
              content:
                script.status === 'error'
                  ? {
                      status: 'error',
                      ename: 'UsageError',
                      evalue: 'Line magic function `%pip` not found.'
                    }
                  : { status: 'ok', user_expressions: expressions }
            };
          });
      return future;
    }
  };
  return {
    kernel: kernel as unknown as ISilentKernel,
    requests,
    interrupts: () => interrupts
  };
}

function setup(script: IScript, language = 'python') {
  const target = new FakeTarget(makeModel([{ source: 'x = 1' }]).model);
  const fake = fakeKernel(script, language);
  target.silentKernel = fake.kernel;
  target.kernelDescription = {
    name: language === 'python' ? 'python3' : 'ir',
    language,
    status: 'idle'
  };
  const access = new FakeAccess([target]);
  const tools = new Map(createNotebookTools().map(tool => [tool.name, tool]));
  return {
    tool: (name: string): ITool => tools.get(name)!,
    context: contextWith(access),
    fake,
    access
  };
}

describe('package specs', () => {
  it('accepts names, extras and versions', () => {
    expect(
      invalidPackageSpec([
        'pandas',
        'pandas>=2.1,<3',
        'dask[dataframe]==2024.8.0',
        'numpy ~= 1.26',
        'a.b_c-d',
        'x!=1.*'
      ])
    ).toBeNull();
  });

  it.each([
    ['pandas; rm -rf /'],
    ['pandas && curl evil'],
    ['$(whoami)'],
    ['{os.system("x")}'],
    ['pandas`id`'],
    ["pandas'"],
    ['--index-url=http://evil'],
    ['-r requirements.txt'],
    ['git+https://github.com/x/y'],
    ['./local/path'],
    ['pandas | tee x'],
    ['pandas\nimport os']
  ])('refuses %j', spec => {
    expect(invalidPackageSpec([spec])).toMatch(/^Refused package spec/);
  });

  it.each([
    ['pandas-2.2.0-cp311-cp311-manylinux_x86_64.whl'],
    ['mypkg.tar.gz'],
    ['mypkg-1.0.TGZ'],
    ['mypkg.zip'],
    ['mypkg.tar.bz2'],
    ['./x'],
    ['../x'],
    ['/abs/pkg'],
    ['~/x'],
    ['dir/pkg'],
    ['C:pkg'],
    ['file:pkg'],
    ['FILE:///tmp/pkg']
  ])('refuses the local file or path %j', spec => {
    expect(invalidPackageSpec([spec])).toMatch(
      /^Refused package spec .*local files, archives and paths/
    );
  });

  it('still accepts names with dots that are no archives', () => {
    expect(
      invalidPackageSpec([
        'zope.interface',
        'backports.zoneinfo>=0.2',
        'ruamel.yaml'
      ])
    ).toBeNull();
  });

  it('quotes each spec in the %pip line', () => {
    expect(pipInstallCommand(['pandas >= 2', 'pyarrow'], true)).toBe(
      "%pip install --upgrade 'pandas>=2' 'pyarrow'"
    );
  });
});

describe('install_packages', () => {
  it('runs %pip silently and reports success', async () => {
    const { tool, context, fake } = setup({
      stdout:
        'Collecting duckdb\n  Downloading duckdb-1.1.0.whl (20 MB)\nSuccessfully installed duckdb-1.1.0\nNote: you may need to restart the kernel to use updated packages.\n',
      exitCode: '0'
    });
    const result = await tool('install_packages').run(
      { packages: ['duckdb'] },
      context
    );
    expect(result.isError).toBeUndefined();
    expect(result.content).toContain(
      "Installed with %pip install 'duckdb':\nSuccessfully installed duckdb-1.1.0"
    );
    expect(result.content).not.toContain('Downloading');
    expect(fake.requests[0]).toEqual({
      code: "%pip install 'duckdb'",
      silent: true,
      store_history: false,
      user_expressions: { exit_code: '_exit_code' },
      allow_stdin: false,
      stop_on_error: false
    });
  });

  it('reports pip failures with the exit code', async () => {
    const { tool, context } = setup({
      stderr: 'ERROR: No matching distribution found for nosuchpkg\n',
      exitCode: '1'
    });
    const result = await tool('install_packages').run(
      { packages: ['nosuchpkg'] },
      context
    );
    expect(result).toEqual({
      content:
        'pip failed (exit code 1):\nERROR: No matching distribution found for nosuchpkg',
      isError: true
    });
  });

  it('refuses bad specs without touching the kernel', async () => {
    const { tool, context, fake } = setup({});
    const result = await tool('install_packages').run(
      { packages: ['pandas; rm -rf ~'] },
      context
    );
    expect(result.isError).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it('is Python-only', async () => {
    const { tool, context, fake } = setup({}, 'r');
    const result = await tool('install_packages').run(
      { packages: ['dplyr'] },
      context
    );
    expect(result).toEqual({
      content:
        'The kernel of analysis.ipynb runs r; installing and listing packages works with Python kernels only.',
      isError: true
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('interrupts on Stop', async () => {
    const { tool, access, fake } = setup({ never: true });
    const controller = new AbortController();
    const running = tool('install_packages').run(
      { packages: ['pandas'] },
      contextWith(access, controller.signal)
    );
    setTimeout(() => controller.abort(), 20);
    const result = await running;
    expect(result.isError).toBe(true);
    expect(result.content).toContain('Cancelled by the user');
    expect(fake.interrupts()).toBe(1);
  });

  it('has a risk check and a preview with the command', async () => {
    const { tool, context } = setup({});
    expect(
      tool('install_packages').riskOf!({ packages: ['pandas'] })
    ).toBeNull();
    expect(
      await tool('install_packages').preview!(
        { packages: ['pandas'], upgrade: true },
        context
      )
    ).toEqual({
      summary: 'Install pandas in the kernel of analysis.ipynb',
      code: { source: "%pip install --upgrade 'pandas'", language: 'python' }
    });
  });
});

describe('list_packages', () => {
  const listing =
    '__DATA_ENGINEER_PACKAGES__["duckdb==1.1.0", "pandas==2.2.3", "pyarrow==17.0.0", "scikit_learn==1.5.2"]\n';

  it('lists name==version silently, with a filter', async () => {
    const { tool, context, fake } = setup({ stdout: listing });
    const all = await tool('list_packages').run({}, context);
    expect(all.content).toBe(
      '4 installed packages:\nduckdb==1.1.0\npandas==2.2.3\npyarrow==17.0.0\nscikit_learn==1.5.2'
    );
    expect(fake.requests[0].silent).toBe(true);
    expect(fake.requests[0].store_history).toBe(false);
    const some = await tool('list_packages').run(
      { filter: 'Scikit-Learn' },
      context
    );
    expect(some.content).toBe(
      '1 of 4 installed packages match "Scikit-Learn":\nscikit_learn==1.5.2'
    );
  });

  it('explains when the listing does not come back', async () => {
    const { tool, context } = setup({ status: 'error' });
    const result = await tool('list_packages').run({}, context);
    expect(result).toEqual({
      content:
        'Could not list packages: UsageError: Line magic function `%pip` not found..',
      isError: true
    });
  });

  it('parses and filters listings', () => {
    expect(parsePackageListing('noise\n' + listing)).toHaveLength(4);
    expect(parsePackageListing('nothing')).toBeNull();
    expect(filterPackages(['a-b==1', 'c==2'], 'A_B')).toEqual(['a-b==1']);
  });
});
