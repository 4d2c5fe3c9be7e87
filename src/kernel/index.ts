/** The public entry of this feature: other folders import from here only. */
export type { IInspectorKernel } from './kernelInspector';
export { KernelInspector } from './kernelInspector';
export {
  KERNELS_SERVICE,
  KernelInspectors,
  variablesSummary
} from './inspectors';
// The kernel tools are the second entry, `./tools` (loaded with the chat's tools, on first need).
