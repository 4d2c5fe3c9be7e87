import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';
import { NOTEBOOKS_SERVICE } from '../notebook';
import type {
  IResultViewProps,
  IToolFamilyContents,
  IToolFamilyHost
} from '../tokens';
import {
  createEtlTools,
  ETL_PROOF_SERVICE,
  EtlProofService,
  SessionProofHost
} from './tools';
import { EtlProofCard } from './ui/proofCard';

/** The proof card as a result view. */
function ProofResult(props: IResultViewProps): JSX.Element {
  return (
    <EtlProofCard
      data={props.call.result!.data!.etlProof!}
      trans={props.trans}
      onCommand={props.onCommand}
    />
  );
}

/** The ETL family as the chat loads it: the proof run (fresh kernels through the server's sessions API) and its card. */
export function createEtlFamily(
  host: IToolFamilyHost,
  serverSettings: ServerConnection.ISettings
): IToolFamilyContents {
  const notebooks = !!host.services[NOTEBOOKS_SERVICE];
  return {
    tools: notebooks ? createEtlTools() : [],
    services: {
      [ETL_PROOF_SERVICE]: new EtlProofService(
        new SessionProofHost(serverSettings)
      )
    },
    resultViews: [
      {
        id: 'etl-proof',
        matches: call => !!call.result?.data?.etlProof,
        component: ProofResult
      }
    ]
  };
}
