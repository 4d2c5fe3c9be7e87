import { IInspectorKernel, KernelInspector } from './kernelInspector';

/** Inspectors per kernel, so the helper is sent once per kernel session. */
export class KernelInspectors {
  /** The inspector of a kernel connection (one per connection object). */
  for(kernel: IInspectorKernel): KernelInspector {
    let inspector = this._inspectors.get(kernel);
    if (!inspector) {
      inspector = new KernelInspector(kernel);
      this._inspectors.set(kernel, inspector);
    }
    return inspector;
  }

  private _inspectors = new WeakMap<object, KernelInspector>();
}

/** The `context.services` key of the inspectors. */
export const KERNELS_SERVICE = 'kernels';

/**
 * A compact list of the active kernel's data frames for the context section,
 * within a budget; null when there are none or the kernel can't answer now.
 */
export function variablesSummary(listing: any, maxChars = 1500): string | null {
  const variables: any[] = Array.isArray(listing?.variables)
    ? listing.variables
    : [];
  const frames = variables.filter(v =>
    /DataFrame|LazyFrame|Table|Relation|ResultSet|Series|ndarray/i.test(
      String(v.kind)
    )
  );
  if (!frames.length) {
    return null;
  }
  const lines = [
    '## Data in the kernel (use inspect_variable for columns and samples)'
  ];
  let used = lines[0].length;
  for (const v of frames) {
    const shape = Array.isArray(v.shape)
      ? v.shape.map((n: any) => (n === null ? '?' : n)).join('×')
      : (v.length ?? '');
    const line = `- ${v.name}: ${v.kind}${shape ? ` ${shape}` : ''}${v.n_columns && !Array.isArray(v.shape) ? `, ${v.n_columns} columns` : ''}`;
    if (used + line.length > maxChars) {
      lines.push(`- … ${frames.length - lines.length + 1} more`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}
