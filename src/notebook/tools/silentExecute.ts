import type { KernelMessage } from '@jupyterlab/services';
import { KernelChannel, KernelUnavailable } from '../../kernelChannel';
import type { ISilentKernel } from './types';

/**
 * Code sent straight to a notebook's kernel, outside any cell: no execution
 * count, no history, no stdin. Stop and timeouts interrupt the kernel (see KernelChannel).
 */

export interface ISilentResult {
  /** ok / error: the kernel replied; cancelled / timeout: we stopped waiting. */
  status: 'ok' | 'error' | 'aborted' | 'cancelled' | 'timeout';
  stdout: string;
  stderr: string;
  /** `text/plain` of each user expression that evaluated; errors are left out. */
  expressions: Record<string, string>;
  error: { ename: string; evalue: string } | null;
}

export interface ISilentOptions {
  signal: AbortSignal;
  timeoutMs: number;
  userExpressions?: Record<string, string>;
}

/** Run code silently in the kernel and collect its printed output. */
export async function executeSilently(
  kernel: ISilentKernel,
  code: string,
  options: ISilentOptions
): Promise<ISilentResult> {
  const result: ISilentResult = {
    status: 'ok',
    stdout: '',
    stderr: '',
    expressions: {},
    error: null
  };
  const onIOPub = (msg: KernelMessage.IIOPubMessage): void => {
    const content = msg.content as Record<string, any>;
    if (msg.header.msg_type === 'stream') {
      const text = Array.isArray(content.text)
        ? content.text.join('')
        : String(content.text ?? '');
      if (content.name === 'stderr') {
        result.stderr += text;
      } else {
        result.stdout += text;
      }
    } else if (msg.header.msg_type === 'error') {
      result.error = {
        ename: String(content.ename),
        evalue: String(content.evalue)
      };
    }
  };
  let reply: Record<string, any>;
  try {
    reply = await new KernelChannel(kernel).execute(code, {
      ...options,
      onIOPub
    });
  } catch (error) {
    if (
      error instanceof KernelUnavailable &&
      (error.reason === 'cancelled' || error.reason === 'busy')
    ) {
      result.status = error.reason === 'cancelled' ? 'cancelled' : 'timeout';
      return result;
    }
    // The future is cancelled when the kernel restarts or goes away.
    result.status = 'error';
    result.error = {
      ename: 'KernelError',
      evalue: error instanceof Error ? error.message : String(error)
    };
    return result;
  }
  result.status =
    reply.status === 'ok'
      ? 'ok'
      : reply.status === 'aborted'
        ? 'aborted'
        : 'error';
  if (reply.status === 'error' && !result.error) {
    result.error = { ename: String(reply.ename), evalue: String(reply.evalue) };
  }
  const expressions = (reply.user_expressions ?? {}) as Record<string, any>;
  for (const [key, value] of Object.entries(expressions)) {
    if (
      value?.status === 'ok' &&
      typeof value.data?.['text/plain'] === 'string'
    ) {
      result.expressions[key] = value.data['text/plain'];
    }
  }
  return result;
}
