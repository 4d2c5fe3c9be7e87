import type { ITool } from '../../tools/types';
import { proveEtlNotebookTool } from './proofTool';

export {
  EtlProofService,
  ETL_PROOF_SERVICE,
  MAX_PROOF_ROUNDS,
  proofCells,
  proofText
} from './proofTool';
export { proofHeadline, proofPlan, proveNotebook } from './proof';
export {
  bindProof,
  checkProofBinding,
  proofHash,
  proofPreview
} from './proofBinding';
export type { IProofBinding } from './proofBinding';
export type {
  IProofCell,
  IProofExecution,
  IProofKernel,
  IProofKernelHost
} from './proof';
export { SessionProofHost } from './proofKernel';

/** The ETL tools: the proof run of a generated notebook (needs the notebooks and etlProof services). */
export function createEtlTools(): ITool[] {
  return [proveEtlNotebookTool];
}
