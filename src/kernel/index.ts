/** The public entry of this feature: other folders import from here only. */
export type { IInspectorKernel } from './kernelInspector';
export { KernelInspector } from './kernelInspector';
export {
  KERNELS_SERVICE,
  KernelInspectors,
  createKernelTools,
  variablesSummary
} from './tools';
