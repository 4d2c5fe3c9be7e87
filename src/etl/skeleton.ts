import {
  commonSetup,
  parametersCell,
  reportCell,
  titleCell,
  verifyCell
} from './common';
import type { IEngineCode } from './engines/engine';
import { duckdbEngine } from './engines/duckdb';
import { pandasEngine } from './engines/pandas';
import { polarsEngine } from './engines/polars';
import { sparkEngine } from './engines/spark';
import { blocks } from './py';
import { EtlEngine, IEtlSpec, specProblems } from './types';

/**
 * The deterministic skeleton of an ETL notebook: the same spec gives the
 * same notebook, byte for byte (no model involved). The model then fills
 * the transform (and adjusts the others) through the notebook tools.
 */

/** The sections in notebook order; each code cell carries its section in `metadata.etl.section`. */
export const SECTIONS = [
  'title',
  'parameters',
  'setup',
  'extract',
  'validate_input',
  'transform',
  'validate_output',
  'load',
  'verify',
  'report'
] as const;
export type EtlSection = (typeof SECTIONS)[number];

const ENGINES: Record<EtlEngine, IEngineCode> = {
  pandas: pandasEngine,
  polars: polarsEngine,
  duckdb: duckdbEngine,
  spark: sparkEngine
};

/** The metadata key of the skeleton's notebook-level and cell-level information. */
export const ETL_METADATA_KEY = 'etl';

export interface ISkeletonCell {
  id: string;
  cell_type: 'markdown' | 'code';
  source: string;
  metadata: { tags?: string[]; etl: { section: EtlSection } };
  execution_count?: null;
  outputs?: [];
}

export interface ISkeletonNotebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown>;
  cells: ISkeletonCell[];
}

/** Raised for a spec the generator cannot turn into a notebook; the message lists why. */
export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
  }
}

/** The code of each section for a spec. */
export function sectionSources(
  spec: IEtlSpec,
  notebookName = 'etl.ipynb'
): Record<EtlSection, string> {
  const problems = specProblems(spec);
  if (problems.length) {
    throw new SpecError(problems);
  }
  const engine = ENGINES[spec.engine];
  return {
    title: titleCell(spec, notebookName),
    parameters: parametersCell(spec),
    setup: blocks(
      '# Setup: imports, connections (from environment variables only), contract helpers.',
      commonSetup(spec),
      engine.setup(spec)
    ),
    extract: engine.extract(spec),
    validate_input: engine.validateInput(spec),
    transform: engine.transform(spec),
    validate_output: engine.validateOutput(spec),
    load: engine.load(spec),
    verify: verifyCell(spec, engine.checksum(spec)),
    report: blocks(
      '# Run report: what this run did (the proof run reads it).',
      reportCell()
    )
  };
}

/** The skeleton notebook (nbformat 4.5) for a spec. */
export function buildSkeleton(
  spec: IEtlSpec,
  notebookName = 'etl.ipynb'
): ISkeletonNotebook {
  const sources = sectionSources(spec, notebookName);
  const cells = SECTIONS.map((section): ISkeletonCell => {
    const metadata: ISkeletonCell['metadata'] = { etl: { section } };
    if (section === 'parameters') {
      metadata.tags = ['parameters'];
    }
    if (section === 'title') {
      return {
        id: `etl-${section}`,
        cell_type: 'markdown',
        source: sources[section],
        metadata
      };
    }
    return {
      id: `etl-${section.replace('_', '-')}`,
      cell_type: 'code',
      source: sources[section],
      metadata,
      execution_count: null,
      outputs: []
    };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3 (ipykernel)',
        language: 'python'
      },
      language_info: { name: 'python' },
      [ETL_METADATA_KEY]: { spec }
    },
    cells
  };
}
