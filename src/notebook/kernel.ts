import type { INotebookModel } from '@jupyterlab/notebook';

/** A notebook's kernel, as the model is told about it. */
export interface IKernelDescription {
  /** Kernel spec name, e.g. `python3`. */
  name: string;
  /** Language, e.g. `python` ('' when unknown). */
  language: string;
  /** `idle`, `busy`, `starting`, `dead`, … */
  status: string;
}

/** The parts of a session context that describe its kernel. */
export interface ISessionLike {
  session?: { kernel?: { name: string; status: string } | null } | null;
}

/**
 * The notebook's kernel (name, language, status), or null without one. The
 * language comes from the notebook metadata, which the kernel fills in.
 */
export function describeKernel(
  sessionContext: ISessionLike,
  model: INotebookModel | null
): IKernelDescription | null {
  const kernel = sessionContext.session?.kernel;
  if (!kernel) {
    return null;
  }
  const languageInfo = model?.getMetadata('language_info') as
    { name?: string } | undefined;
  const kernelspec = model?.getMetadata('kernelspec') as
    { language?: string } | undefined;
  return {
    name: kernel.name,
    language: (languageInfo?.name ?? kernelspec?.language ?? '').toLowerCase(),
    status: kernel.status
  };
}
