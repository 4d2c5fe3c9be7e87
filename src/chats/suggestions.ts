/**
 * Suggested first prompts for an empty chat, built from what is open: the
 * active notebook's dataframes, a query cell, a data file next to it. Pure:
 * the caller gathers the facts (cheaply: a variable listing the chat makes
 * anyway, the notebook's cell sources, one folder listing).
 */

export interface ISuggestionFacts {
  /** The active notebook's path, if any. */
  notebook: string | null;
  /** Data-like variables of its kernel (name and kind), most recent first when known. */
  frames: { name: string; kind: string }[];
  /** Code cells of the active notebook (index and source). */
  cells: { index: number; source: string }[];
  /** Data files near the notebook (paths from the server root). */
  dataFiles: string[];
}

export interface ISuggestedPrompt {
  /** Short text on the button. */
  label: string;
  /** What is sent. */
  prompt: string;
  kind: 'dataframe' | 'query' | 'file' | 'general';
}

const QUERY_CELL =
  /^\s*%%sql\b|\b(?:duckdb|con|conn|spark)\.(?:sql|execute|query)\s*\(|\bread_sql(?:_query)?\s*\(|\bread_database\s*\(/m;
const DATA_FILE = /\.(csv|tsv|parquet|json|jsonl|xlsx|xls|feather|arrow)$/i;

/** Whether a path names a data file the assistant can profile. */
export function isDataFile(path: string): boolean {
  return DATA_FILE.test(path);
}

/** Up to `max` suggestions: one per kind that applies, then general ones. */
export function suggestPrompts(
  facts: ISuggestionFacts,
  trans: { __: (s: string, ...a: any[]) => string },
  max = 3
): ISuggestedPrompt[] {
  const out: ISuggestedPrompt[] = [];
  const frame = facts.frames.find(f =>
    /DataFrame|LazyFrame|Table|Relation/i.test(f.kind)
  );
  if (frame) {
    out.push({
      kind: 'dataframe',
      label: trans.__('Inspect %1', frame.name),
      prompt: trans.__(
        'Inspect the dataframe `%1`: its columns, types, nulls and a few rows, without scanning all of it. Point out anything that looks like a data-quality problem.',
        frame.name
      )
    });
  }
  const query = facts.cells.find(c => QUERY_CELL.test(c.source));
  if (query) {
    out.push({
      kind: 'query',
      label: trans.__('Explain the query in cell %1', query.index + 1),
      prompt: trans.__(
        'Explain what the query in cell %1 computes, in business terms first, then which steps of its plan are expensive.',
        query.index + 1
      )
    });
  }
  const file = facts.dataFiles[0];
  if (file) {
    out.push({
      kind: 'file',
      label: trans.__('Profile %1', file.split('/').pop() ?? file),
      prompt: trans.__(
        'Profile `%1`: its schema, row count and the data-quality problems a pipeline loading it should handle.',
        file
      )
    });
  }
  const general: ISuggestedPrompt[] = [
    {
      kind: 'general',
      label: trans.__('What data is here?'),
      prompt: trans.__(
        'Look at the files in this folder and tell me what data is here and how it fits together.'
      )
    },
    {
      kind: 'general',
      label: trans.__('Plan a pipeline'),
      prompt: trans.__(
        'Help me plan an idempotent ETL pipeline for the data in this folder: sources, checks, target and load mode.'
      )
    },
    {
      kind: 'general',
      label: trans.__('Review this notebook'),
      prompt: trans.__(
        'Review the open notebook as a senior data engineer: correctness, performance and what breaks when it runs twice.'
      )
    }
  ];
  for (const g of general) {
    if (out.length >= max) {
      break;
    }
    if (g.label.startsWith('Review') && !facts.notebook) {
      continue;
    }
    out.push(g);
  }
  return out.slice(0, max);
}
