import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { askEtlChoices, IEtlChoices } from './dialog';
import { engineFromInstructions, etlContext, etlUserPrompt } from './etlPrompt';
import { buildSkeleton } from './skeleton';
import type { ReadRange } from './parquetSchema';
import { formatOf, readSource, ReadHead } from './sourceSchema';
import { IEtlSource, IEtlSpec, specProblems } from './types';

/** Where the project instructions live (server root). */
const INSTRUCTIONS = 'copilot.instructions.md';
/** Data files taken from a folder at most. */
const MAX_FOLDER_SOURCES = 10;

export interface IEtlStarterOptions {
  contents: Contents.IManager;
  serverSettings: ServerConnection.ISettings;
  trans: TranslationBundle;
  /** Open the created notebook. */
  openFile: (path: string) => unknown;
  /** Show the form (a test replaces it); default: the JupyterLab dialog. */
  ask?: typeof askEtlChoices;
}

/** What the chat sends once the skeleton is written. */
export interface IEtlStart {
  notebookPath: string;
  spec: IEtlSpec;
  prompt: string;
  attachments: { label: string; text: string }[];
}

/** The first bytes of a server file through /files/ with an HTTP Range (never the whole of a big file). */
export function rangeReader(
  serverSettings: ServerConnection.ISettings
): ReadHead {
  return async (path, bytes) => {
    const url = URLExt.join(
      serverSettings.baseUrl,
      'files',
      URLExt.encodeParts(path)
    );
    const response = await ServerConnection.makeRequest(
      url,
      { headers: { Range: `bytes=0-${bytes - 1}` } },
      serverSettings
    );
    if (!response.ok) {
      throw new Error(`could not read ${path}: HTTP ${response.status}`);
    }
    const text = await response.text();
    const total = /\/(\d+)$/.exec(
      response.headers.get('Content-Range') ?? ''
    )?.[1];
    const complete =
      response.status === 200 ||
      (total !== undefined && Number(total) <= bytes);
    return { text, complete };
  };
}

/** Byte ranges of a server file through /files/ (a negative start: the last bytes), for Parquet footers. */
export function byteRangeReader(
  serverSettings: ServerConnection.ISettings
): ReadRange {
  return async (path, start, end) => {
    const url = URLExt.join(
      serverSettings.baseUrl,
      'files',
      URLExt.encodeParts(path)
    );
    const range = start < 0 ? `bytes=${start}` : `bytes=${start}-${end}`;
    const response = await ServerConnection.makeRequest(
      url,
      { headers: { Range: range } },
      serverSettings
    );
    if (!response.ok) {
      throw new Error(`could not read ${path}: HTTP ${response.status}`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const total = Number(
      /\/(\d+)$/.exec(response.headers.get('Content-Range') ?? '')?.[1] ??
        bytes.length
    );
    if (response.status === 200) {
      // The server ignored the range and sent the whole file.
      return {
        bytes:
          start < 0
            ? bytes.slice(start)
            : bytes.slice(start, (end ?? bytes.length - 1) + 1),
        total: bytes.length
      };
    }
    return { bytes, total };
  };
}

/** Data files among the selection; a folder contributes its data files (not recursively). */
async function dataFiles(
  contents: Contents.IManager,
  selected: string[]
): Promise<string[]> {
  const files: string[] = [];
  for (const path of selected) {
    const item = await contents.get(path, { content: false });
    if (item.type === 'directory') {
      const listing = await contents.get(path, { content: true });
      const children = (listing.content as Contents.IModel[])
        .filter(child => child.type === 'file' && formatOf(child.path))
        .map(child => child.path)
        .sort()
        .slice(0, MAX_FOLDER_SOURCES);
      files.push(...children);
    } else if (formatOf(path)) {
      files.push(path);
    }
  }
  return [...new Set(files)];
}

async function instructionsText(
  contents: Contents.IManager
): Promise<string | null> {
  try {
    const model = await contents.get(INSTRUCTIONS, {
      content: true,
      type: 'file',
      format: 'text'
    });
    return typeof model.content === 'string' ? model.content : null;
  } catch {
    return null;
  }
}

async function freeName(
  contents: Contents.IManager,
  folder: string,
  stem: string
): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const path = PathExt.join(
      folder,
      n ? `${stem}_etl_${n}.ipynb` : `${stem}_etl.ipynb`
    );
    try {
      await contents.get(path, { content: false });
    } catch {
      return path;
    }
  }
  throw new Error(`no free notebook name for ${stem} in ${folder || '/'}`);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Defaults of the form from the selection and the first source's schema. */
function initialChoices(
  sources: string[],
  first: IEtlSource | null,
  engine: IEtlChoices['engine']
): IEtlChoices {
  const columns = first?.columns ?? [];
  const date = columns.find(c => c.type === 'date')?.name;
  const ts = columns.find(c => c.type === 'timestamp')?.name;
  const name = first?.name ?? 'pipeline';
  return {
    sources,
    engine,
    mode: 'full_refresh',
    targetKind: 'parquet',
    targetPath: `output/${name}`,
    targetTable: name,
    targetUrlEnv: 'ETL_TARGET_URL',
    keyColumns: first?.keys ?? [],
    partitionColumn:
      date ??
      (ts ? ts.replace(/(_ts|_at|_time|_timestamp)$/, '') + '_date' : ''),
    runDate: today(),
    businessRules: ''
  };
}

/**
 * Ask for the choices, write the skeleton next to the first source, open
 * it, and return the message for the chat (null when cancelled).
 */
export async function startEtlNotebook(
  options: IEtlStarterOptions,
  selected: string[]
): Promise<IEtlStart | null> {
  const { contents, trans } = options;
  const ask = options.ask ?? askEtlChoices;
  const readHead = rangeReader(options.serverSettings);
  const readRange = byteRangeReader(options.serverSettings);
  const files = selected.length ? await dataFiles(contents, selected) : [];
  const engine =
    engineFromInstructions(await instructionsText(contents)) ?? 'pandas';
  const firstFolder = files.length ? PathExt.dirname(files[0]) : '';
  const first = files.length
    ? await readSource(
        files[0],
        PathExt.basename(files[0]),
        readHead,
        readRange
      ).catch(() => null)
    : null;
  let choices: IEtlChoices = initialChoices(files, first, engine);
  let problems: string[] = [];
  for (;;) {
    const answer = await ask(choices, trans, problems);
    if (!answer) {
      return null;
    }
    choices = answer;
    if (!choices.sources.length) {
      problems = [trans.__('Choose at least one source file.')];
      continue;
    }
    const folder = PathExt.dirname(choices.sources[0]) || firstFolder;
    const sources = await Promise.all(
      choices.sources.map(path =>
        readSource(
          path,
          PathExt.relative(folder || '.', path) || path,
          readHead,
          readRange
        )
      )
    ).catch(error => {
      problems = [String((error as Error).message ?? error)];
      return null;
    });
    if (!sources) {
      continue;
    }
    const spec: IEtlSpec = {
      title: trans.__(
        'Load %1 into %2',
        sources.map(s => s.name).join(', '),
        choices.targetTable || choices.targetPath
      ),
      engine: choices.engine,
      mode: choices.mode,
      target: {
        kind: choices.targetKind,
        ...(choices.targetKind !== 'postgres'
          ? { path: choices.targetPath }
          : {}),
        ...(choices.targetKind !== 'parquet'
          ? { table: choices.targetTable }
          : {}),
        ...(choices.targetKind === 'postgres'
          ? { urlEnv: choices.targetUrlEnv }
          : {})
      },
      sources: sources.map(({ note: _n, sample: _s, ...source }) => source),
      keyColumns: choices.keyColumns,
      ...(choices.mode === 'overwrite_partition'
        ? { partitionColumn: choices.partitionColumn }
        : {}),
      runDate: choices.runDate,
      businessRules: choices.businessRules
    };
    problems = specProblems(spec);
    if (problems.length) {
      continue;
    }
    const notebookPath = await freeName(contents, folder, sources[0].name);
    const notebook = buildSkeleton(spec, PathExt.basename(notebookPath));
    await contents.save(notebookPath, {
      type: 'notebook',
      format: 'json',
      content: notebook as any
    });
    await options.openFile(notebookPath);
    return {
      notebookPath,
      spec,
      prompt: etlUserPrompt(spec, notebookPath),
      attachments: [
        {
          label: trans.__('ETL choices and source schemas'),
          text: etlContext(spec, notebookPath, sources)
        }
      ]
    };
  }
}
