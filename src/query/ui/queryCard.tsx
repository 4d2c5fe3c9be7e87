import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { INSTALL_VERIFIER_PACKAGE_COMMAND } from '../commands';
import type { QueryService } from '../service';
import type { IQueryResultData, IVerification } from '../types';
import { verdictHeadline } from '../verdictText';
import { useDiff } from '../../ui/useDiff';

export interface IQueryCardProps {
  data: IQueryResultData;
  trans: TranslationBundle;
  /** Applies a verified rewrite to its cell; without it the card offers no Apply. */
  service?: QueryService | null;
  /** Runs a JupyterLab command (the card's Install button asks the chat through one). */
  onCommand?: (id: string, args: Record<string, string>) => void;
}

function cell(v: unknown): string {
  return v === null || v === undefined
    ? 'NULL'
    : typeof v === 'string'
      ? v
      : JSON.stringify(v);
}

/** A few rows as a small table (values are data: rendered as text). */
function Rows(props: {
  columns?: string[];
  rows?: unknown[][];
  caption: string;
}): JSX.Element | null {
  if (!props.rows?.length) {
    return null;
  }
  return (
    <table className="jp-DataEngineer-queryRows">
      <caption>{props.caption}</caption>
      {props.columns && (
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
      )}
      <tbody>
        {props.rows.map((row, i) => (
          <tr key={i}>
            {row.map((v, j) => (
              <td key={j}>{cell(v)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A line diff of the SQL, as text (no HTML from the model's text). */
function SqlDiff(props: { before: string; after: string }): JSX.Element {
  const diff = useDiff(); // jsdiff loads where a diff is drawn
  const parts = diff
    ? diff.diffLines(
        props.before.trimEnd() + '\n',
        props.after.trimEnd() + '\n'
      )
    : [];
  return (
    <pre className="jp-DataEngineer-queryDiffText">
      {parts.flatMap((part, i) =>
        part.value
          .replace(/\n$/, '')
          .split('\n')
          .map((line, j) => (
            <div
              key={`${i}.${j}`}
              className={
                part.added
                  ? 'jp-mod-added'
                  : part.removed
                    ? 'jp-mod-removed'
                    : 'jp-mod-context'
              }
            >
              {`${part.added ? '+' : part.removed ? '-' : ' '} ${line}`}
            </div>
          ))
      )}
    </pre>
  );
}

function CopyButton(props: {
  text: string;
  trans: TranslationBundle;
}): JSX.Element {
  const [copied, setCopied] = React.useState(false);
  return (
    <button
      className="jp-DataEngineer-queryCopy jp-mod-styled"
      onClick={() => {
        Clipboard.copyToSystem(props.text);
        setCopied(true);
      }}
    >
      {copied ? props.trans.__('Copied') : props.trans.__('Copy rewrite')}
    </button>
  );
}

function Verdict(
  props: { data: Extract<IQueryResultData, { kind: 'verification' }> } & Omit<
    IQueryCardProps,
    'data'
  >
) {
  const { data, trans } = props;
  const v: IVerification = data.verification;
  const service = props.service ?? null;
  const [state, setState] = React.useState<
    'idle' | 'applying' | 'applied' | string
  >('idle');
  const canApply = !!service && service.canApply(data);
  const d =
    v.verdict === 'different'
      ? v.diff
      : v.verdict === 'different_on_probe'
        ? v.probe?.counterexample
        : undefined;
  return (
    <div className="jp-DataEngineer-queryVerdict" data-verdict={v.verdict}>
      <div className="jp-DataEngineer-queryHeadline">
        {verdictHeadline(v, trans)}
      </div>
      {d && (
        <>
          <Rows
            columns={d.columns}
            rows={d.examples_original}
            caption={trans.__('Only in the original')}
          />
          <Rows
            columns={d.columns}
            rows={d.examples_rewrite}
            caption={trans.__('Only in the rewrite')}
          />
        </>
      )}
      {v.verdict === 'different_on_probe' &&
        Object.entries(v.probe?.counterexample?.tables ?? {}).map(
          ([name, t]) => (
            <Rows
              key={name}
              columns={t.columns}
              rows={t.rows}
              caption={trans.__('Counterexample rows of %1', name)}
            />
          )
        )}
      {!!v.probe?.constraints?.length && (
        <div className="jp-DataEngineer-queryConstraints">
          {trans.__(
            'Relies on the declared constraints: %1',
            v.probe.constraints.join('; ')
          )}
        </div>
      )}
      <details className="jp-DataEngineer-queryDiff">
        <summary>{trans.__('Rewrite')}</summary>
        <SqlDiff before={data.original} after={data.rewrite} />
      </details>
      <div className="jp-DataEngineer-queryButtons">
        {v.applicable && data.newSource === undefined && (
          <span className="jp-DataEngineer-queryNote">
            {trans.__(
              'The SQL is not a literal in a cell here: copy the rewrite to use it.'
            )}
          </span>
        )}
        {v.applicable &&
          data.newSource !== undefined &&
          state !== 'applied' && (
            <button
              className="jp-DataEngineer-queryApply jp-mod-styled jp-mod-accept"
              disabled={!canApply || state === 'applying'}
              title={
                canApply
                  ? trans.__(
                      "Replace the cell's SQL (Undo in the notebook restores it)"
                    )
                  : trans.__('Verify again to apply')
              }
              onClick={() => {
                setState('applying');
                service!.apply(data).then(
                  () => setState('applied'),
                  (error: Error) => setState(error.message)
                );
              }}
            >
              {trans.__('Apply')}
            </button>
          )}
        {v.missing_package && props.onCommand && (
          <button
            className="jp-DataEngineer-queryInstall jp-mod-styled jp-mod-accept"
            disabled={state === 'install-asked'}
            title={trans.__(
              'Ask the assistant to install %1 in the kernel (you approve the install), then verify again',
              v.missing_package
            )}
            onClick={() => {
              setState('install-asked');
              props.onCommand!(INSTALL_VERIFIER_PACKAGE_COMMAND, {
                package: v.missing_package!,
                ...(data.notebookPath ? { notebook: data.notebookPath } : {})
              });
            }}
          >
            {trans.__('Install %1', v.missing_package)}
          </button>
        )}
        <CopyButton text={data.rewrite} trans={trans} />
        {state === 'install-asked' && (
          <span className="jp-DataEngineer-queryNote">
            {trans.__(
              'Asked the assistant: approve the install, then it verifies again.'
            )}
          </span>
        )}
        {state === 'applied' && (
          <span className="jp-DataEngineer-queryApplied">
            {trans.__('Applied to the cell')}
          </span>
        )}
        {!['idle', 'applying', 'applied', 'install-asked'].includes(state) && (
          <span className="jp-DataEngineer-queryError" role="alert">
            {state}
          </span>
        )}
      </div>
    </div>
  );
}

function count(n: number | null | undefined): string {
  return typeof n === 'number' ? n.toLocaleString() : '?';
}

/** run_query's answer: the rows it returned, the total and the time (values are text). */
function QueryRows(props: {
  data: Extract<IQueryResultData, { kind: 'rows' }>;
  trans: TranslationBundle;
}): JSX.Element {
  const { data, trans } = props;
  const run = data.run;
  const shown = run.rows?.length ?? 0;
  const headline =
    typeof run.total_rows === 'number'
      ? trans.__('%1 of %2 rows', count(shown), count(run.total_rows))
      : run.truncated
        ? trans.__('First %1 rows', count(shown))
        : trans.__('%1 rows', count(shown));
  return (
    <div className="jp-DataEngineer-queryResult" data-engine={run.engine ?? ''}>
      <div className="jp-DataEngineer-queryHeadline">
        {trans.__('%1 — %2 ms', headline, count(run.elapsed_ms))}
      </div>
      <Rows
        columns={run.columns?.map(c => c.name)}
        rows={run.rows}
        caption={trans.__('Result of the read-only query')}
      />
    </div>
  );
}

/** list_tables' answer: one line per table. */
function Catalog(props: {
  data: Extract<IQueryResultData, { kind: 'catalog' }>;
  trans: TranslationBundle;
}): JSX.Element {
  const { data, trans } = props;
  return (
    <div className="jp-DataEngineer-queryCatalog">
      <div className="jp-DataEngineer-queryHeadline">
        {trans.__(
          '%1 of %2 tables (%3)',
          count(data.tables.length),
          count(data.total),
          data.engine ?? ''
        )}
      </div>
      <Rows
        columns={[trans.__('table'), trans.__('kind'), trans.__('rows (est.)')]}
        rows={data.tables.map(t => [
          t.schema ? `${t.schema}.${t.name}` : t.name,
          t.kind ?? '',
          typeof t.rows_estimate === 'number' ? count(t.rows_estimate) : ''
        ])}
        caption={trans.__('Catalog (metadata only)')}
      />
    </div>
  );
}

/** describe_table's answer: the columns and keys. */
function TableDescription(props: {
  data: Extract<IQueryResultData, { kind: 'table' }>;
  trans: TranslationBundle;
}): JSX.Element {
  const { data, trans } = props;
  const t = data.table;
  return (
    <div className="jp-DataEngineer-queryTable">
      <div className="jp-DataEngineer-queryHeadline">
        {trans.__(
          '%1: %2 columns, about %3 rows',
          t.name ?? '',
          count(t.columns?.length ?? 0),
          count(t.rows_estimate)
        )}
      </div>
      <Rows
        columns={[trans.__('column'), trans.__('type'), trans.__('null')]}
        rows={(t.columns ?? []).map(c => [
          c.name,
          c.type,
          c.nullable === false ? 'NOT NULL' : ''
        ])}
        caption={
          t.primary_key?.length
            ? trans.__('Primary key: %1', t.primary_key.join(', '))
            : trans.__('Columns')
        }
      />
    </div>
  );
}

/** The body of a query tool's card: the plan, the proposed diff, or the verdict with Apply. */
export function QueryCard(props: IQueryCardProps): JSX.Element | null {
  const { data, trans } = props;
  if (data.kind === 'proposal') {
    return (
      <div className="jp-DataEngineer-queryProposal">
        <div className="jp-DataEngineer-queryHeadline">
          {trans.__('Proposed rewrite — not verified yet')}
        </div>
        {data.rationale && (
          <div className="jp-DataEngineer-queryRationale">{data.rationale}</div>
        )}
        <SqlDiff before={data.original} after={data.rewrite} />
        <div className="jp-DataEngineer-queryButtons">
          <CopyButton text={data.rewrite} trans={trans} />
        </div>
      </div>
    );
  }
  if (data.kind === 'verification') {
    return <Verdict {...props} data={data} />;
  }
  if (data.kind === 'rows') {
    return <QueryRows data={data} trans={trans} />;
  }
  if (data.kind === 'catalog') {
    return <Catalog data={data} trans={trans} />;
  }
  if (data.kind === 'table') {
    return <TableDescription data={data} trans={trans} />;
  }
  if (data.context.plan) {
    return (
      <details className="jp-DataEngineer-queryPlan">
        <summary>
          {trans.__(
            'Plan (%1)',
            data.context.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN'
          )}
        </summary>
        <pre className="jp-DataEngineer-queryPlanText">{data.context.plan}</pre>
      </details>
    );
  }
  return null;
}
