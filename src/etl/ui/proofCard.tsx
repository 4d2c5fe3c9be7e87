import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IEtlProofData } from '../../tools/results';
import { proofHeadline } from '../tools/proof';

/** The command the card's hand-off button runs (registered in index.ts). */
export const ETL_HANDOFF_COMMAND = 'data-engineer:etl-handoff';

export interface IEtlProofCardProps {
  data: IEtlProofData;
  trans: TranslationBundle;
  /** Run a command (the hand-off); absent: no button. */
  onCommand?: (id: string, args: Record<string, string>) => void;
}

/** The proof run's result: headline, per-run cell times, rows, checksum; hand-off when proven. */
export function EtlProofCard(props: IEtlProofCardProps): JSX.Element {
  const { data, trans } = props;
  const headline = proofHeadline(data);
  return (
    <div
      className={`jp-DataEngineer-etlProof ${data.idempotent ? 'jp-mod-ok' : 'jp-mod-failed'}`}
      data-idempotent={String(data.idempotent)}
    >
      <div className="jp-DataEngineer-etlProofHeadline">{headline}</div>
      <div className="jp-DataEngineer-etlProofFacts">
        {data.rowsIn && (
          <span>
            {trans.__(
              'rows in %1',
              Object.entries(data.rowsIn)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            )}
          </span>
        )}
        {data.rowsOut !== undefined && (
          <span>{trans.__('rows out %1', data.rowsOut)}</span>
        )}
        {data.rejected && (
          <span>
            {trans.__(
              'rejected %1',
              Object.values(data.rejected).reduce((a, b) => a + b, 0)
            )}
          </span>
        )}
        {data.targetRows !== undefined && (
          <span>{trans.__('target %1 rows', data.targetRows)}</span>
        )}
        {data.checksum && (
          <span title={data.checksum}>
            {trans.__('checksum %1', data.checksum.slice(0, 12))}
          </span>
        )}
      </div>
      <table className="jp-DataEngineer-etlProofRuns">
        <tbody>
          {data.runs.map((run, i) => (
            <tr key={i}>
              <th>{trans.__('Run %1', i + 1)}</th>
              <td>{run.ok ? trans.__('ok') : trans.__('failed')}</td>
              <td>{trans.__('%1 s', (run.ms / 1000).toFixed(1))}</td>
              <td className="jp-DataEngineer-etlProofCells">
                {run.cells
                  .map(
                    c =>
                      `${c.section ?? c.cellId} ${c.status === 'ok' ? '' : c.status + ' '}${c.ms} ms`
                  )
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.runs.map(run =>
        run.failure ? (
          <pre
            key={run.failure.cellId}
            className="jp-DataEngineer-etlProofFailure"
          >
            {`${run.failure.section ?? run.failure.cellId}: ${run.failure.ename}: ${run.failure.evalue}`}
          </pre>
        ) : null
      )}
      {data.idempotent && props.onCommand && (
        <button
          className="jp-DataEngineer-etlHandoff jp-mod-styled"
          onClick={() =>
            props.onCommand!(ETL_HANDOFF_COMMAND, { path: data.notebookPath })
          }
        >
          {trans.__('Hand off to Deployment Engineer')}
        </button>
      )}
    </div>
  );
}
